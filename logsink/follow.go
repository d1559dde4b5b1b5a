package logsink

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// notice wakes Read for an event about the log file, its directory or one of
// the directory's ancestors (created, removed or renamed while the directory
// is missing or replaced). Events about other files, such as the other
// stream's log file or a rotated file being compressed, only wake it to
// release the file it reads if that was the one removed. The log file is
// matched by its base name: kqueue names the events of a directory added
// through a symlink after the symlink's target.
//
// It is called on the Watcher's goroutine, which must never wait for a
// Read: it only takes the reader's lock if it is free.
func (r *TailReader) notice(name string, op fsnotify.Op) {
	switch {
	case filepath.Base(name) == r.base:
		r.signal()
	case isSameOrAncestor(name, r.dir):
		r.rescan.Store(true)
		r.signal()
	}
	if op&^(fsnotify.Write|fsnotify.Chmod) == 0 {
		return // the file being read cannot have lost its last name
	}
	// A reader that stopped reading (a client that does not read its
	// answer) must not keep a removed file, and its disk space, to itself:
	// if Read is not running, look now; else Read looks when it returns.
	r.unpin.Store(true)
	if r.mu.TryLock() {
		if op.Has(fsnotify.Create) && filepath.Dir(name) == r.dir {
			// A rotation, maybe: noted, so that a reader that stopped
			// reading can tell whether it goes before it is read.
			if stamp, gz, ok := r.naming.parse(filepath.Base(name)); ok && !gz && stamp > r.prev && !r.closed {
				r.noteRotated(rotated{stamp: stamp, plain: true})
			}
		}
		r.releaseIfRemoved()
		r.mu.Unlock()
	}
}

// lost makes the next Read look at everything again: events may have been
// lost.
func (r *TailReader) lost() {
	r.rescan.Store(true)
	r.unpin.Store(true)
	r.signal()
}

// end ends the reader: its Watcher was closed (err is nil) or failed.
func (r *TailReader) end(err error) {
	r.endOnce.Do(func() {
		r.endErr = err
		close(r.ended)
	})
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
		moved, err := r.sub.watch(d, fi)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue // removed meanwhile: look again
		case err != nil:
			return fmt.Errorf("logsink: follow %s: %w", r.path, err)
		case moved:
			// Look again: what was created below d before the watch was
			// in place raised no event.
			continue
		}
		moved, err = r.guard(d)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue // removed meanwhile: look again
		case err != nil:
			return err
		case !moved:
			return nil
		}
	}
}

// guardParents tells whether a follower also watches the directory above
// the one it watches (see watchSub.setGuard). Only with inotify: kqueue
// would hold a descriptor open for each entry of that directory, one per
// service in superd's log dir.
const guardParents = runtime.GOOS == "linux"

// guard makes the reader also watch the directory holding d, the one it
// watches (see watchSub.setGuard), and reports whether that changed.
func (r *TailReader) guard(d string) (bool, error) {
	parent := filepath.Dir(d)
	if !guardParents || parent == d {
		return false, nil
	}
	fi, err := os.Stat(parent)
	switch {
	case err == nil && !fi.IsDir(), errors.Is(err, fs.ErrNotExist):
		return false, fs.ErrNotExist // replaced meanwhile: look again
	case err != nil:
		return false, nil // not to be watched: no guard, as before there was one
	}
	moved, err := r.sub.setGuard(parent, fi)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("logsink: follow %s: %w", r.path, err)
	}
	return moved, err
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
			r.openedRegular()
		case errors.Is(err, fs.ErrNotExist):
		case errors.Is(err, ErrUnsafeFile):
			r.waitUnsafe(err)
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
			r.passRotated("") // those seen listed are gone
			if f == nil {
				return false, nil
			}
			r.cur = &source{f: f, limit: -1}
			if l := r.left; l != nil {
				// The file read before, moved away and back: not a new
				// one, read on from where it was left (unless truncated).
				fi, err := f.Stat()
				was, lerr := l.f.Stat()
				if err == nil && lerr == nil && os.SameFile(fi, was) && fi.Size() >= l.off {
					r.cur.off, r.cur.seen = l.off, l.seen
				}
				r.closeLeft()
			}
			return true, nil
		}
		if f != nil {
			_ = f.Close()
		}
		r.closeLeft() // a rotated file comes first: the live file is another
		r.passRotated(b.stamp)
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
	if own := r.forgetSeen(fi); own != "" {
		r.passRotated(own)
		return nil
	}
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
	r.passRotated(b.stamp)
	return nil
}

// passRotated makes the rotated file of stamp the last one read, or about
// to be: the rotated files seen listed before and stamped before it (all
// of them when stamp is "") are gone, since the oldest one left is read
// next, so MaxBackups, MaxAge or a hand removed them before the follower
// read them: it logs how many there were and how many bytes they held.
func (r *TailReader) passRotated(stamp string) {
	var files int
	var size int64
	known := true
	for s, seen := range r.ahead {
		if stamp != "" && s > stamp {
			continue
		}
		if s != stamp {
			files++
			size += max(seen.size, 0)
			known = known && seen.size >= 0
		}
		delete(r.ahead, s)
	}
	if stamp > r.prev {
		r.prev = stamp
	}
	if files == 0 {
		return
	}
	r.gap = true
	attrs := []any{"path", r.path, "skipped_files", files}
	if known {
		attrs = append(attrs, "skipped_bytes", size)
	}
	r.log.Warn("logsink: a follower skipped rotated log files removed before it read them", attrs...)
}

// seenFile is a rotated file that a follower saw before it read it.
type seenFile struct {
	size int64       // uncompressed; -1 if unknown
	id   os.FileInfo // its plain form, if seen; nil if not
}

// forgetSeen forgets the rotated file seen as the file fi, which the
// follower read as the live file, and returns its stamp ("" if none was).
func (r *TailReader) forgetSeen(fi os.FileInfo) string {
	for s, seen := range r.ahead {
		if seen.id != nil && os.SameFile(seen.id, fi) {
			delete(r.ahead, s)
			return s
		}
	}
	return ""
}

// noteRotated records that the rotated file b, stamped after r.prev, was
// seen, with its size, so that the follower can tell if it goes before it
// reads it.
func (r *TailReader) noteRotated(b rotated) {
	if _, ok := r.ahead[b.stamp]; ok {
		return
	}
	if r.ahead == nil {
		r.ahead = make(map[string]seenFile)
	}
	seen := seenFile{size: -1}
	if b.plain {
		if fi, err := os.Lstat(r.rotatedPath(b.stamp, false)); err == nil {
			seen = seenFile{size: fi.Size(), id: fi}
		}
	}
	if seen.id == nil { // compressed, and so complete
		if f, err := openRegular(r.rotatedPath(b.stamp, true)); err == nil {
			if fi, err := f.Stat(); err == nil {
				seen.size = gzipSize(f, fi.Size(), 0)
			}
			_ = f.Close()
		}
	}
	r.ahead[b.stamp] = seen
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
	next, ok := rotated{}, false
	for _, b := range files {
		if b.stamp <= r.prev {
			continue
		}
		if !ok {
			next, ok = b, true
		}
		if r.follow {
			r.noteRotated(b)
		}
	}
	return next, ok, nil
}

// rotatedFiles lists the log's rotated files, oldest first.
func (r *TailReader) rotatedFiles() ([]rotated, error) {
	entries, err := os.ReadDir(r.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("logsink: %s %s: %w", r.verb(), r.path, err)
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
			return &source{f: f, seq: f, stamp: b.stamp}, nil
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
	gz := &gzCount{zr: zr}
	return &source{f: f, seq: gz, gz: gz, stamp: b.stamp}, nil
}

func (r *TailReader) rotatedPath(stamp string, gz bool) string {
	return filepath.Join(r.dir, r.naming.name(stamp, gz))
}

// backupNaming recognises the names that the Sink and lumberjack give the
// rotated files of a log file: stdout.log becomes
// stdout-2006-01-02T15-04-05.000.log, later maybe compressed to
// stdout-2006-01-02T15-04-05.000.log.gz.
type backupNaming struct{ prefix, ext string }

// verb names what the reader does, for its errors: "follow" or "tail".
func (r *TailReader) verb() string {
	if r.follow {
		return "follow"
	}
	return "tail"
}

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

// resumePoint is where a follower goes on after the file it was reading was
// removed under it.
type resumePoint struct {
	stamp  string // the rotated file it was (maybe compressed); "" if none
	off    int64  // how far it was read (uncompressed)
	unread int64  // what was not read of it; -1 if unknown
	// path is the name of the file removed, as far as it is known, for
	// the warning about what was skipped: a rotated file's, or the live
	// path when the file was read as the live file and no rotated name of
	// it is known.
	path string
}

// releaseIfRemoved closes the file being read if it was removed (its last
// name is gone) and a removal was noticed since the last look, so that a
// follower never keeps a removed file's disk space. The next Read goes on
// where it stopped in the compressed copy, if the file was removed once
// compressed, else with the next file there is, skipping what the
// follower had not read of it. r.mu must be held.
func (r *TailReader) releaseIfRemoved() {
	if !r.unpin.Swap(false) || r.closed || !r.follow {
		return
	}
	if r.left != nil {
		if fi, err := r.left.f.Stat(); err == nil && removed(fi) {
			r.closeLeft() // gone for good: no file will be it again
		}
	}
	if r.cur == nil {
		return
	}
	fi, err := r.cur.f.Stat()
	if err != nil || !removed(fi) {
		return
	}
	rp := &resumePoint{unread: -1, path: r.path}
	switch {
	case r.cur.seq == nil: // the live file
		rp.off = r.cur.off
		rp.unread = fi.Size() - rp.off
		// Rotated, then removed once compressed: its rotated file is the
		// next one, known by the identity its plain form had if that was
		// seen, else assumed to be it when only its compressed form is
		// left. Found now: more rotations may come before the next Read.
		// Seen, it is not to be counted as skipped whole: its rest is.
		own := r.forgetSeen(fi)
		if own != "" {
			rp.path = r.rotatedPath(own, false)
		}
		if b, ok, err := r.nextRotated(); err == nil && ok && !b.plain && (own == "" || b.stamp == own) {
			rp.stamp = b.stamp
			rp.path = r.rotatedPath(b.stamp, false)
		}
	case r.cur.seq == io.Reader(r.cur.f): // a plain rotated file
		if rp.off, err = r.cur.f.Seek(0, io.SeekCurrent); err != nil {
			return
		}
		rp.stamp, rp.unread = r.cur.stamp, fi.Size()-rp.off
		rp.path = r.rotatedPath(r.cur.stamp, false)
	case r.cur.gz != nil: // a compressed rotated file: removed by MaxBackups or MaxAge
		rp.unread = gzipSize(r.cur.f, fi.Size(), r.cur.gz.n)
		rp.path = r.rotatedPath(r.cur.stamp, true)
	}
	r.closeCur()
	r.resume = rp
	r.signal()
}

// resumeRemoved goes on after the file being read was removed: with its
// compressed copy, at the offset reached, if there is one; else the file's
// rest is skipped (it was removed by MaxBackups or MaxAge, or by hand),
// and the next file there is will be read.
func (r *TailReader) resumeRemoved() {
	rp := r.resume
	r.resume = nil
	if rp.stamp != "" {
		r.passRotated(rp.stamp)
		src, err := r.openRotated(rotated{stamp: rp.stamp})
		if err == nil {
			if _, err = io.CopyN(io.Discard, src.seq, rp.off); err == nil {
				r.cur = src
				return
			}
			_ = src.f.Close()
		}
	}
	switch {
	case rp.unread > 0:
		r.log.Warn("logsink: a follower skipped the rest of a log file removed before it read it",
			"path", rp.path, "skipped_bytes", rp.unread)
	case rp.unread < 0: // how much is unknown
		r.log.Warn("logsink: a follower skipped the rest of a log file removed before it read it",
			"path", rp.path)
	}
	r.gap = r.gap || rp.unread != 0
}
