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
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, filepath.Base(path)+tempInfix+"*")
	if err != nil {
		return fmt.Errorf("runstate: create temporary file: %w", err)
	}
	tmp := f.Name()
	if err := writeSyncClose(f, data); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("runstate: write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("runstate: replace state file: %w", err)
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("runstate: sync directory %s: %w", dir, err)
	}
	return nil
}

// writeSyncClose writes data to f, flushes it to stable storage and closes
// f, which is closed whatever happens.
func writeSyncClose(f *os.File, data []byte) error {
	_, err := f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
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
