package logsink

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/fsnotify/fsnotify"
)

// tailBlock is the size of the blocks in which Tail reads a file backwards
// to find where its last lines start.
const tailBlock = 64 << 10

// TailOptions configures Tail.
type TailOptions struct {
	// Lines is how many of the file's last lines the reader returns first:
	// all of the file when negative, none when 0. A final line without a
	// newline counts as a line.
	Lines int
	// Follow makes the reader go on with everything written to the path
	// afterwards, across rotations, truncation and re-creation of the file,
	// until the context ends or the reader is closed. A missing file (or
	// directory) is then awaited rather than an error. Without Follow the
	// reader ends where the file ended when Tail was called.
	Follow bool
	// Logger receives the problems that do not end the stream, such as a
	// rotated file that vanished before it was read; nil discards them.
	Logger *slog.Logger
}

// TailReader reads the end of a log file and, when following, what is
// written to it afterwards. Tail creates it; it must be closed. Read must not
// be called concurrently with itself; Close may be called at any time.
type TailReader struct {
	path   string
	dir    string
	base   string
	follow bool
	log    *slog.Logger
	naming backupNaming

	done      chan struct{} // closed by Close
	closeOnce sync.Once
	closeErr  error

	// Follow mode only.
	watcher   *fsnotify.Watcher
	wake      chan struct{} // capacity 1: something may have changed
	rescan    atomic.Bool   // a directory changed or events were lost
	watchDone chan struct{} // closed when the watch goroutine has returned
	watchErr  error         // why the watcher stopped by itself; set before watchDone is closed

	mu      sync.Mutex // guards the fields below; Read holds it except while waiting
	closed  bool
	stopCtx func() bool // releases the context.AfterFunc that calls Close
	cur     *source     // the file being read; nil while none exists yet
	prev    string      // rotated files stamped later than this are not read yet
	watched string      // the directory being watched: dir or its deepest existing ancestor
	watchID os.FileInfo // what watched named when it was added
}

// source is an open file being read: either the live log file, read at an
// offset and followed by name, or a rotated one, read to its end.
type source struct {
	f     *os.File
	seq   io.Reader // a rotated file's content (maybe decompressed); nil for the live file
	off   int64     // live file: offset of the next byte to read
	limit int64     // live file: offset at which to stop; -1 to follow
}

// read reads the next bytes of s.
func (s *source) read(p []byte) (int, error) {
	if s.seq != nil {
		return s.seq.Read(p)
	}
	if s.limit >= 0 {
		if s.off >= s.limit {
			return 0, io.EOF
		}
		p = p[:min(int64(len(p)), s.limit-s.off)]
	}
	n, err := s.f.ReadAt(p, s.off)
	s.off += int64(n)
	return n, err
}

// Tail opens a reader of the last opts.Lines lines of the file at path and,
// with opts.Follow, of everything appended to that path afterwards, until ctx
// ends or the reader is closed; Read then returns io.EOF.
//
// Without Follow a missing file yields an empty reader: a service that never
// wrote has no output. A symlink or other non-regular file at path is
// refused with ErrUnsafeFile (when following it is treated as missing until
// the Sink replaces it). Following watches path's directory with fsnotify
// and never polls: see the package documentation for how rotation and
// truncation are handled.
func Tail(ctx context.Context, path string, opts TailOptions) (*TailReader, error) {
	if path == "" {
		return nil, errors.New("logsink: tail: empty path")
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("logsink: tail %s: %w", path, err)
	}
	path = filepath.Clean(path)
	r := &TailReader{
		path:   path,
		dir:    filepath.Dir(path),
		base:   filepath.Base(path),
		follow: opts.Follow,
		log:    opts.Logger,
		naming: newBackupNaming(path),
		done:   make(chan struct{}),
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	if r.follow {
		w, err := fsnotify.NewWatcher()
		if err != nil {
			return nil, fmt.Errorf("logsink: tail %s: %w", path, err)
		}
		r.watcher = w
		r.wake = make(chan struct{}, 1)
		r.watchDone = make(chan struct{})
		// Watch before opening, so that no change after the open is missed.
		if err := r.attach(); err != nil {
			_ = w.Close()
			return nil, err
		}
	}
	if err := r.start(opts.Lines); err != nil {
		if r.watcher != nil {
			_ = r.watcher.Close()
		}
		return nil, err
	}
	if r.follow {
		go r.watch()
	}
	r.mu.Lock() // the AfterFunc may call Close at once, which takes mu too
	r.stopCtx = context.AfterFunc(ctx, func() { _ = r.Close() })
	r.mu.Unlock()
	return r, nil
}

// start opens the file, positions the reader at its last n lines and, when
// following, notes which rotated files are older than it.
func (r *TailReader) start(n int) error {
	f, err := openRegular(r.path)
	switch {
	case err == nil:
	case errors.Is(err, fs.ErrNotExist):
	case r.follow && errors.Is(err, ErrUnsafeFile):
		r.log.Warn("logsink: waiting for a regular log file", "path", r.path, "error", err)
	default:
		return fmt.Errorf("logsink: tail: %w", err)
	}
	var fi os.FileInfo
	if f != nil {
		if fi, err = f.Stat(); err != nil {
			_ = f.Close()
			return fmt.Errorf("logsink: tail: %w", err)
		}
		size := fi.Size()
		off, err := lastLinesStart(f, size, n)
		if err != nil {
			_ = f.Close()
			return fmt.Errorf("logsink: tail %s: %w", r.path, err)
		}
		r.cur = &source{f: f, off: off, limit: size}
		if r.follow {
			r.cur.limit = -1
		}
	}
	if r.follow {
		if r.prev, err = r.initialPrev(fi); err != nil {
			if f != nil {
				_ = f.Close()
			}
			return err
		}
	}
	return nil
}

// lastLinesStart returns the offset at which the last n lines of the first
// size bytes of f start: 0 when n is negative or the file has at most n
// lines, size when n is 0. It reads backwards from the end in blocks.
func lastLinesStart(f io.ReaderAt, size int64, n int) (int64, error) {
	switch {
	case n < 0 || size == 0:
		return 0, nil
	case n == 0:
		return size, nil
	}
	buf := make([]byte, min(size, tailBlock))
	// The last byte ends the last line, whether it is a newline or not; each
	// newline before it starts one more line.
	end := size - 1
	for end > 0 {
		start := max(0, end-int64(len(buf)))
		block := buf[:end-start]
		if _, err := f.ReadAt(block, start); err != nil {
			if errors.Is(err, io.EOF) { // truncated meanwhile: start over from the top
				return 0, nil
			}
			return 0, err
		}
		for i := len(block); ; {
			if i = bytes.LastIndexByte(block[:i], '\n'); i < 0 {
				break
			}
			if n--; n == 0 {
				return start + int64(i) + 1, nil
			}
		}
		end = start
	}
	return 0, nil
}

// Read reads what comes next: first the tail of the file, then, when
// following, new output, waiting for it as long as there is none. It returns
// io.EOF once the whole tail is read (without Follow), or once the context
// has ended or Close was called, also when that happens while Read waits.
func (r *TailReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		n, err := r.step(p)
		if err != nil && !errors.Is(err, io.EOF) && r.isDone() {
			err = io.EOF // failures caused by Close tearing things down
		}
		if n > 0 || err != nil {
			return n, err
		}
		if err := r.wait(); err != nil {
			return 0, err
		}
	}
}

// step reads what is available now. It returns 0, nil when the reader must
// wait for a change.
func (r *TailReader) step(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.follow && r.rescan.Swap(false) && !r.closed {
		if err := r.attach(); err != nil {
			return 0, err
		}
	}
	for {
		switch {
		case r.closed:
			return 0, io.EOF
		case r.cur == nil && !r.follow:
			return 0, io.EOF
		case r.cur == nil:
			if ok, err := r.advance(); !ok || err != nil {
				return 0, err
			}
			continue
		}
		n, err := r.cur.read(p)
		if n > 0 {
			return n, nil
		}
		if err != nil && !errors.Is(err, io.EOF) {
			if r.cur.seq == nil {
				return 0, fmt.Errorf("logsink: read %s: %w", r.path, err)
			}
			r.log.Warn("logsink: skipping the rest of an unreadable rotated log file",
				"file", r.cur.f.Name(), "error", err)
		}
		switch {
		case !r.follow:
			return 0, io.EOF
		case r.cur.seq != nil: // a rotated file is complete: go on to the next one
			r.closeCur()
			continue
		}
		ch, fi, err := r.checkLive()
		switch {
		case err != nil:
			return 0, err
		case ch == unchanged:
			return 0, nil
		case ch == truncated:
			r.cur.off = 0
			continue
		}
		// Replaced: whoever wrote to the old file stopped before the path
		// changed, so what the old file has now is all it will ever have.
		if n, err := r.cur.read(p); n > 0 {
			return n, nil
		} else if err != nil && !errors.Is(err, io.EOF) {
			return 0, fmt.Errorf("logsink: read %s: %w", r.path, err)
		}
		r.closeCur()
		if err := r.skipOwnBackup(fi); err != nil {
			return 0, err
		}
	}
}

// change is what became of the live file since it was last checked.
type change int

const (
	unchanged change = iota
	truncated        // it is shorter than the offset read up to
	replaced         // the path names another file, or none
)

// checkLive compares the live file, read to its end, with what its path
// names now. It also returns the file's FileInfo.
func (r *TailReader) checkLive() (change, os.FileInfo, error) {
	fi, err := r.cur.f.Stat()
	if err != nil {
		return 0, nil, fmt.Errorf("logsink: tail %s: %w", r.path, err)
	}
	if fi.Size() < r.cur.off {
		return truncated, fi, nil
	}
	now, err := os.Lstat(r.path)
	switch {
	case err == nil && os.SameFile(fi, now):
		return unchanged, fi, nil
	case err == nil, errors.Is(err, fs.ErrNotExist):
		return replaced, fi, nil
	default:
		return 0, nil, fmt.Errorf("logsink: tail: %w", err)
	}
}

func (r *TailReader) closeCur() {
	if err := r.cur.f.Close(); err != nil {
		r.log.Warn("logsink: close log file", "file", r.cur.f.Name(), "error", err)
	}
	r.cur = nil
}

// wait waits for a change to the watched files, Close or the end of the
// context (which calls Close).
func (r *TailReader) wait() error {
	select {
	case <-r.wake:
		return nil
	case <-r.done:
		return io.EOF
	case <-r.watchDone:
		if r.isDone() {
			return io.EOF
		}
		return r.watchErr
	}
}

func (r *TailReader) isDone() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// Close stops the reader: a Read waiting for output returns io.EOF, and so
// does every later Read. It releases the open file and stops the watcher
// goroutine before it returns. Close is idempotent; later calls return the
// first call's result. It is called by itself when the context ends.
func (r *TailReader) Close() error {
	r.closeOnce.Do(func() {
		close(r.done)
		if r.watchDone != nil {
			<-r.watchDone
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		r.closed = true
		r.stopCtx()
		if r.cur != nil {
			if err := r.cur.f.Close(); err != nil {
				r.closeErr = fmt.Errorf("logsink: tail: %w", err)
			}
			r.cur = nil
		}
	})
	return r.closeErr
}

// openRegular opens path for reading if it is a regular file, without
// following a symlink or blocking on a FIFO; anything else there is reported
// as ErrUnsafeFile.
func openRegular(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|oNoFollow|oNonBlock, 0)
	if err != nil {
		if fi, lerr := os.Lstat(path); lerr == nil && !fi.Mode().IsRegular() {
			return nil, fmt.Errorf("%w: %s is a %s", ErrUnsafeFile, path, describe(fi.Mode()))
		}
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = fmt.Errorf("%w: %s is a %s", ErrUnsafeFile, path, describe(fi.Mode()))
	}
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	return f, nil
}
