package logsink

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// watch turns the watcher's events into wake-ups of Read until Close. It
// owns the watcher and closes it when it returns.
func (r *TailReader) watch() {
	defer close(r.watchDone)
	defer func() { _ = r.watcher.Close() }()
	var lastErr error
	for {
		select {
		case <-r.done:
			return
		case ev, ok := <-r.watcher.Events:
			if !ok {
				r.watchErr = r.watcherStopped(lastErr)
				return
			}
			r.notice(filepath.Clean(ev.Name))
		case err, ok := <-r.watcher.Errors:
			if !ok {
				r.watchErr = r.watcherStopped(lastErr)
				return
			}
			if !errors.Is(err, fsnotify.ErrEventOverflow) {
				lastErr = err
				r.log.Warn("logsink: file watcher error", "path", r.path, "error", err)
			}
			// Events may have been lost: look at everything again.
			r.rescan.Store(true)
			r.signal()
		}
	}
}

func (r *TailReader) watcherStopped(lastErr error) error {
	if lastErr == nil {
		return fmt.Errorf("logsink: follow %s: file watcher stopped", r.path)
	}
	return fmt.Errorf("logsink: follow %s: file watcher stopped: %w", r.path, lastErr)
}

// notice wakes Read for an event about the log file, its directory or one of
// the directory's ancestors (created, removed or renamed while the directory
// is missing or replaced). Events about other files, such as the other
// stream's log file or a rotated file being compressed, are ignored. The log
// file is matched by its base name: kqueue names the events of a directory
// added through a symlink after the symlink's target.
func (r *TailReader) notice(name string) {
	switch {
	case filepath.Base(name) == r.base:
		r.signal()
	case isSameOrAncestor(name, r.dir):
		r.rescan.Store(true)
		r.signal()
	}
}

// signal wakes Read if it waits, or makes its next wait return at once.
// Wake-ups coalesce: after each, Read reads everything there is.
func (r *TailReader) signal() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// isSameOrAncestor reports whether the clean path a is dir or one of its
// ancestors.
func isSameOrAncestor(a, dir string) bool {
	if a == dir {
		return true
	}
	if !strings.HasPrefix(dir, a) {
		return false
	}
	return os.IsPathSeparator(dir[len(a)]) || (a != "" && os.IsPathSeparator(a[len(a)-1]))
}

// attach watches the log file's directory, or while it is missing its
// deepest existing ancestor, and moves the watch when that changes. It
// returns once the watched directory is still the deepest one after the
// watch was added.
func (r *TailReader) attach() error {
	for {
		d, fi, err := deepestDir(r.dir)
		if err != nil {
			return fmt.Errorf("logsink: follow %s: %w", r.path, err)
		}
		// A watch ends when its directory is removed or renamed (fsnotify
		// drops it before it reports that), and a new directory at the same
		// path may even reuse the old one's inode number.
		live := slices.Contains(r.watcher.WatchList(), d)
		if d == r.watched && live && os.SameFile(fi, r.watchID) {
			return nil
		}
		if d == r.watched && live { // the same path names a new directory
			_ = r.watcher.Remove(d)
		}
		if err := r.watcher.Add(d); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue // removed meanwhile: look again
			}
			return fmt.Errorf("logsink: follow %s: watch %s: %w", r.path, d, err)
		}
		if r.watched != "" && r.watched != d {
			_ = r.watcher.Remove(r.watched) // may be gone with its directory
		}
		r.watched, r.watchID = d, fi
		// Look again: what was created below d before the watch was in
		// place raised no event.
	}
}

// deepestDir returns dir, or its deepest ancestor that exists, and its
// FileInfo.
func deepestDir(dir string) (string, os.FileInfo, error) {
	for {
		fi, err := os.Stat(dir)
		switch {
		case err == nil && fi.IsDir():
			return dir, fi, nil
		case err == nil:
			return "", nil, fmt.Errorf("%s is not a directory", dir)
		case !errors.Is(err, fs.ErrNotExist):
			return "", nil, err
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", nil, err
		}
		dir = parent
	}
}

// advance finds the file to read next: the oldest rotated file not read yet,
// else the live file from its start. It reports whether there is one.
func (r *TailReader) advance() (bool, error) {
	for {
		f, err := openRegular(r.path)
		switch {
		case err == nil:
		case errors.Is(err, fs.ErrNotExist):
		case errors.Is(err, ErrUnsafeFile):
			r.log.Warn("logsink: waiting for a regular log file", "path", r.path, "error", err)
		default:
			return false, fmt.Errorf("logsink: follow: %w", err)
		}
		// Look for rotated files only now: if none is newer than the last
		// one read, nothing was rotated before f was opened, so f is what
		// follows.
		b, ok, err := r.nextRotated()
		if err != nil {
			if f != nil {
				_ = f.Close()
			}
			return false, err
		}
		if !ok {
			if f == nil {
				return false, nil
			}
			r.cur = &source{f: f, limit: -1}
			return true, nil
		}
		if f != nil {
			_ = f.Close()
		}
		r.prev = b.stamp
		src, err := r.openRotated(b)
		if err != nil {
			r.log.Warn("logsink: skipping a rotated log file that cannot be read", "path", r.path, "stamp", b.stamp, "error", err)
			continue
		}
		r.cur = src
		return true, nil
	}
}

// skipOwnBackup marks the rotated file that the live file just read to its
// end became, if that is the next one, as read. fi describes the live file.
// A plain rotated file is recognised as the same file; a compressed one is
// assumed to be it.
func (r *TailReader) skipOwnBackup(fi os.FileInfo) error {
	b, ok, err := r.nextRotated()
	if err != nil || !ok {
		return err
	}
	if b.plain {
		now, err := os.Lstat(r.rotatedPath(b.stamp, false))
		switch {
		case err == nil && !os.SameFile(now, fi):
			return nil // another file: the live one was moved elsewhere or removed
		case err != nil && !errors.Is(err, fs.ErrNotExist): // not compressed meanwhile
			return fmt.Errorf("logsink: follow: %w", err)
		}
	}
	r.prev = b.stamp
	return nil
}

// olderThan returns the rotated files of files (oldest first) that are
// older than the live file fi: those before it if it was rotated already
// (recognised while it is uncompressed), else all.
func (r *TailReader) olderThan(fi os.FileInfo, files []rotated) []rotated {
	for i, b := range files {
		if !b.plain {
			continue
		}
		if now, err := os.Lstat(r.rotatedPath(b.stamp, false)); err == nil && os.SameFile(now, fi) {
			return files[:i]
		}
	}
	return files
}

// rotated is one rotated file of the log, found in plain form (maybe also
// compressed, while lumberjack compresses it) or else only compressed.
type rotated struct {
	stamp string
	plain bool
}

// nextRotated returns the oldest rotated file stamped after r.prev.
func (r *TailReader) nextRotated() (rotated, bool, error) {
	files, err := r.rotatedFiles()
	if err != nil {
		return rotated{}, false, err
	}
	for _, b := range files {
		if b.stamp > r.prev {
			return b, true, nil
		}
	}
	return rotated{}, false, nil
}

// rotatedFiles lists the log's rotated files, oldest first.
func (r *TailReader) rotatedFiles() ([]rotated, error) {
	entries, err := os.ReadDir(r.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("logsink: follow %s: %w", r.path, err)
	}
	var files []rotated
	index := make(map[string]int) // stamp → position in files
	for _, e := range entries {
		stamp, gz, ok := r.naming.parse(e.Name())
		if !ok {
			continue
		}
		if i, seen := index[stamp]; seen {
			files[i].plain = files[i].plain || !gz
			continue
		}
		index[stamp] = len(files)
		files = append(files, rotated{stamp: stamp, plain: !gz})
	}
	// The fixed-width stamps sort chronologically.
	slices.SortFunc(files, func(a, b rotated) int { return strings.Compare(a.stamp, b.stamp) })
	return files, nil
}

// openRotated opens a rotated file for reading from its start, preferring
// the plain form: a compressed file is complete only once the plain one is
// gone.
func (r *TailReader) openRotated(b rotated) (*source, error) {
	if b.plain {
		f, err := openRegular(r.rotatedPath(b.stamp, false))
		if err == nil {
			return &source{f: f, seq: f}, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		// Compressed meanwhile.
	}
	f, err := openRegular(r.rotatedPath(b.stamp, true))
	if err != nil {
		return nil, err
	}
	zr, err := gzip.NewReader(f)
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("%s: %w", f.Name(), err)
	}
	return &source{f: f, seq: zr}, nil
}

func (r *TailReader) rotatedPath(stamp string, gz bool) string {
	return filepath.Join(r.dir, r.naming.name(stamp, gz))
}

// backupNaming recognises the names that the Sink and lumberjack give the
// rotated files of a log file: stdout.log becomes
// stdout-2006-01-02T15-04-05.000.log, later maybe compressed to
// stdout-2006-01-02T15-04-05.000.log.gz.
type backupNaming struct{ prefix, ext string }

func newBackupNaming(path string) backupNaming {
	base := filepath.Base(path)
	ext := filepath.Ext(base)
	return backupNaming{prefix: base[:len(base)-len(ext)] + "-", ext: ext}
}

// parse returns the stamp of a rotated file's name and whether it is
// compressed; ok is false for any other name.
func (n backupNaming) parse(name string) (stamp string, gz, ok bool) {
	rest, ok := strings.CutPrefix(name, n.prefix)
	if !ok {
		return "", false, false
	}
	rest, gz = strings.CutSuffix(rest, compressSuffix)
	if stamp, ok = strings.CutSuffix(rest, n.ext); !ok {
		return "", false, false
	}
	if _, err := time.Parse(backupTimeFormat, stamp); err != nil {
		return "", false, false
	}
	return stamp, gz, true
}

func (n backupNaming) name(stamp string, gz bool) string {
	name := n.prefix + stamp + n.ext
	if gz {
		name += compressSuffix
	}
	return name
}
