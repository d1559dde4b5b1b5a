package runstate

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// tempInfix separates the state file's name from the random suffix of its
// temporary files: "superd.state.tmp-123456".
const tempInfix = ".tmp-"

// writeFileAtomic replaces the file at path with data, so that path holds
// either its old content or data, never a mix, even if the process is
// killed or the machine crashes: data goes to a new temporary file (mode
// 0600) in the same directory, which is synced, renamed over path, and the
// directory is synced so that the rename itself is durable.
//
// It returns the identity of the file it wrote, taken from the temporary
// file before the rename: once renamed, path may name another file at any
// time (the file removed, or replaced, by someone else), so a stat of path
// after the rename would not tell which one it was. The FileInfo is nil
// whenever the error is not: a failure to sync the directory after the
// rename leaves the rename's durability, hence the file, unknown.
func writeFileAtomic(path string, data []byte) (os.FileInfo, error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, filepath.Base(path)+tempInfix+"*")
	if err != nil {
		return nil, fmt.Errorf("runstate: create temporary file: %w", err)
	}
	tmp := f.Name()
	fi, err := writeSyncClose(f, data)
	if err != nil {
		_ = os.Remove(tmp)
		return nil, fmt.Errorf("runstate: %w", err) // names tmp already
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return nil, fmt.Errorf("runstate: replace state file: %w", err)
	}
	if afterRename != nil {
		afterRename()
	}
	if err := syncDir(dir); err != nil {
		return nil, fmt.Errorf("runstate: sync directory %s: %w", dir, err)
	}
	return fi, nil
}

// afterRename, if not nil, is called by writeFileAtomic right after each
// rename, before the directory is synced (tests act in that window).
var afterRename func()

// writeSyncClose writes data to f, flushes it to stable storage and closes
// f, which is closed whatever happens. It returns f's FileInfo, taken
// before the close.
func writeSyncClose(f *os.File, data []byte) (os.FileInfo, error) {
	_, err := f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	var fi os.FileInfo
	if err == nil {
		fi, err = f.Stat()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return fi, err
}

// removeTemps removes the temporary files of path that a write interrupted
// by a crash left behind. Failures are only logged: they cost disk space,
// nothing else.
func removeTemps(path string, log *slog.Logger) {
	dir, prefix := filepath.Dir(path), filepath.Base(path)+tempInfix
	entries, err := os.ReadDir(dir)
	if err != nil {
		log.Warn("cannot list the state directory to remove temporary files", "dir", dir, "err", err)
		return
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasPrefix(e.Name(), prefix) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
			log.Warn("cannot remove a leftover temporary state file", "file", e.Name(), "err", err)
		}
	}
}
