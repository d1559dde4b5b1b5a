package logsink

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
)

// tailBlock is the size of the blocks in which Tail reads a file backwards
// to find where its last lines start.
const tailBlock = 64 << 10

// TailOptions configures Tail.
type TailOptions struct {
	// Lines is how many of the log's last lines the reader returns first:
	// everything kept when negative, none when 0. A final line without a
	// newline counts as a line. The lines are those of the stream: when the
	// live file holds fewer, the rest come from its rotated files (plain or
	// gzipped), newest first, as far back as they are kept, but the search
	// for where the lines start stops once it has looked through 256 MiB
	// of rotated files (uncompressed): the answer then starts with the
	// last one looked at. A negative Lines reads every rotated file kept,
	// oldest first, then the live file.
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
	// Watcher, when following, watches the file's directory for this
	// reader and any number of others: a program that serves many
	// followers gives them all the same one. Nil: the reader has a watcher
	// of its own (one inotify instance on Linux).
	Watcher *Watcher
	// Finish, when following, ends the follow once it is closed: the
	// reader stops waiting for more output, reads what the log holds
	// (the rest of the file it reads, the rotated files after it, the
	// live file to its end), then returns io.EOF. A program closes it once
	// the writer is done, so that a follower gets everything written
	// (superd: at shutdown, once the services' last output is written).
	// The end of the context, Close, and a Watcher closed before Finish
	// still end the reader at once. Nil: the follow ends only so.
	Finish <-chan struct{}

	lookback int64 // tailLookback when 0; tests make it smaller
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
	sub     *watchSub     // its use of the Watcher
	own     *Watcher      // the Watcher it created, closed with it; nil if given one
	wake    chan struct{} // capacity 1: something may have changed
	rescan  atomic.Bool   // a directory changed or events were lost
	unpin   atomic.Bool   // a file was removed: check whether it is the one being read
	ended   chan struct{} // closed when the Watcher ends the reader
	endOnce sync.Once
	endErr  error           // why the Watcher ended it (nil: it was closed); set before ended is closed
	finish  <-chan struct{} // TailOptions.Finish

	mu      sync.Mutex // guards the fields below; Read holds it except while waiting
	closed  bool
	stopCtx func() bool         // releases the context.AfterFunc that calls Close
	cur     *source             // the file being read; nil while none exists yet
	backlog []rotated           // without Follow: rotated files to read after cur, oldest first
	live    *source             // without Follow: the live file, to read after backlog
	prev    string              // rotated files stamped later than this are not read yet
	ahead   map[string]seenFile // follow: rotated files stamped after prev seen so far
	resume  *resumePoint        // where to go on after the file being read was removed
	// left: follow: the live file last read to its end once its path
	// named another file or none, until the next file is opened.
	left *liveLeft
	// gap: output was skipped (removed before it was read) since the
	// last byte sent, which ends the line sent in part, if any, before
	// what comes next.
	gap bool

	// Owned by Read: the last byte it returned, if sent; whether Finish
	// was seen closed (the reader then reads to the end and stops), and
	// whether it did stop there.
	last     byte
	sent     bool
	draining bool
	drained  bool
	// unsafeSaid: follow: the wait for a regular file at the path (a
	// symlink is there) was logged, not to be again until one is opened.
	unsafeSaid bool
}

// openedRegular notes that a regular file was opened at the path.
func (r *TailReader) openedRegular() { r.unsafeSaid = false }

// waitUnsafe logs, once until a regular file is opened at the path again,
// that the follower waits for one: every change in the directory wakes it
// and looks again.
func (r *TailReader) waitUnsafe(err error) {
	if r.unsafeSaid {
		return
	}
	r.unsafeSaid = true
	r.log.Warn("logsink: waiting for a regular log file", "path", r.path, "error", err)
}

// liveLeft is a live file a follower read to its end once its path no
// longer named it, kept open until the next file is opened (or it is
// removed): named by the path again (moved away and back), it is read on
// from where it was. Open, its inode cannot be given to a new file, so
// that the same device and inode are the same file.
type liveLeft struct {
	f    *os.File
	off  int64  // the offset read up to
	seen []byte // the bytes read last (source.seen)
}

// closeLeft closes the live file left, if any.
func (r *TailReader) closeLeft() {
	if r.left == nil {
		return
	}
	if err := r.left.f.Close(); err != nil {
		r.log.Warn("logsink: close log file", "file", r.left.f.Name(), "error", err)
	}
	r.left = nil
}

// source is an open file being read: either the live log file, read at an
// offset and followed by name, or a rotated one, read to its end.
type source struct {
	f     *os.File
	seq   io.Reader // a rotated file's content (maybe decompressed); nil for the live file
	gz    *gzCount  // a compressed rotated file's decompressor, which seq reads; nil if plain
	stamp string    // a rotated file's stamp
	off   int64     // live file: offset of the next byte to read
	limit int64     // live file: offset at which to stop; -1 to follow
	// openLine: a rotated file's last byte read was not a newline, so a
	// read that fails there (a damaged file) leaves a line unfinished.
	openLine bool
	// seen: a followed live file's last bytes read (up to seenMax, at
	// offsets up to off), to tell the Sink cutting back a piece of a line
	// from a truncation by someone else.
	seen []byte
}

const (
	// cutCheck is the most bytes before the size a followed live file is
	// cut back to that are compared with those read there before.
	cutCheck = 64
	// seenMax is the most a follower keeps of what it read: the largest
	// cut (one write) and the bytes compared before it.
	seenMax = chunkSize + cutCheck
)

// read reads the next bytes of s.
func (s *source) read(p []byte) (int, error) {
	if s.seq != nil {
		n, err := s.seq.Read(p)
		if n > 0 {
			s.openLine = p[n-1] != '\n'
		}
		return n, err
	}
	if s.limit >= 0 {
		if s.off >= s.limit {
			return 0, io.EOF
		}
		p = p[:min(int64(len(p)), s.limit-s.off)]
	}
	n, err := s.f.ReadAt(p, s.off)
	s.off += int64(n)
	if s.limit < 0 {
		s.keep(p[:n])
	}
	return n, err
}

// keep adds b, just read from a followed live file, to s.seen.
func (s *source) keep(b []byte) {
	if len(b) >= seenMax {
		s.seen = append(s.seen[:0], b[len(b)-seenMax:]...)
		return
	}
	if len(s.seen)+len(b) > 2*seenMax {
		old := seenMax - len(b)
		s.seen = s.seen[:copy(s.seen, s.seen[len(s.seen)-old:])]
	}
	s.seen = append(s.seen, b...)
}

// followFrom sets a followed live file to be read from off, keeping the
// bytes before it that cutBack compares.
func (s *source) followFrom(off int64) {
	s.off, s.limit = off, -1
	buf := make([]byte, min(off, cutCheck))
	if _, err := s.f.ReadAt(buf, off-int64(len(buf))); err == nil {
		s.seen = buf
	}
}

// cutBack is called when the followed live file is found shorter (size)
// than the offset read up to. A Sink whose write fails after writing part
// of its data cuts back the piece of a line it left (see cutPartialLine):
// the file shrinks by at most one write's data, and what is before the new
// size is what was there. If that is what happened, the reader goes on
// from size, and cutBack reports true, with nl set if the last byte read
// (and sent) was not a newline: the line sent in part is to be ended.
// Else (copytruncate: the file emptied, maybe written again since) it
// reports false, and the file is to be read again from its start.
func (s *source) cutBack(size int64) (ok, nl bool) {
	from := s.off - int64(len(s.seen)) // offset of s.seen[0]
	if size <= from || s.off-size > chunkSize {
		return false, false
	}
	m := min(size-from, cutCheck)
	var buf [cutCheck]byte
	if _, err := s.f.ReadAt(buf[:m], size-m); err != nil ||
		!bytes.Equal(buf[:m], s.seen[size-m-from:size-from]) {
		return false, false
	}
	nl = s.seen[len(s.seen)-1] != '\n'
	s.seen = s.seen[:size-from]
	s.off = size
	return true, nl
}

// Tail opens a reader of the last opts.Lines lines of the log at path (the
// file and its rotated files before it) and, with opts.Follow, of everything
// appended to that path afterwards, until ctx ends or the reader is closed;
// Read then returns io.EOF.
//
// Without Follow a missing file yields an empty reader: a service that never
// wrote has no output. A symlink or other non-regular file at path is
// refused with ErrUnsafeFile (when following it is treated as missing until
// the Sink replaces it). Following watches path's directory with fsnotify
// (through opts.Watcher, if given) and never polls: see the package
// documentation for how rotation, truncation and removed files are handled.
// A follower whose Watcher is closed ends as if it was closed.
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
	// The Watcher may call notice as soon as the reader subscribes: it
	// finds the lock taken until the reader is set up, and leaves what it
	// noticed for the first Read.
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.follow {
		w := opts.Watcher
		if w == nil {
			r.own = NewWatcher(r.log)
			w = r.own
		}
		r.wake = make(chan struct{}, 1)
		r.ended = make(chan struct{})
		r.finish = opts.Finish
		sub, err := w.subscribe(r.notice, r.lost, r.end)
		if err != nil {
			r.unwatch()
			return nil, fmt.Errorf("logsink: follow %s: %w", path, err)
		}
		r.sub = sub
		// Watch before opening, so that no change after the open is missed.
		if err := r.attach(); err != nil {
			r.unwatch()
			return nil, err
		}
	}
	lookback := opts.lookback
	if lookback <= 0 {
		lookback = tailLookback
	}
	if err := r.start(opts.Lines, lookback); err != nil {
		r.unwatch()
		return nil, err
	}
	// The AfterFunc may call Close at once, which waits for mu.
	r.stopCtx = context.AfterFunc(ctx, func() { _ = r.Close() })
	return r, nil
}

// tailLookback bounds how far back into the rotated files Tail looks for
// where the last lines start: once the files it has looked through hold this
// many bytes (uncompressed) without enough lines, the answer starts at the
// beginning of the last one looked at. A negative Lines reads every rotated
// file kept without looking for anything.
const tailLookback = 256 << 20

// start opens the file and positions the reader at the stream's last n
// lines, in the live file or, when it holds fewer, in the rotated files
// before it. When following, it notes which rotated files come after the
// one it starts with.
func (r *TailReader) start(n int, lookback int64) error {
	f, fi, older, err := r.openLive()
	if err != nil {
		return err
	}
	var size int64
	if fi != nil {
		size = fi.Size()
	}
	off, found := size, 0
	if f != nil {
		if off, found, err = lastLinesStart(f, size, n); err != nil {
			_ = f.Close()
			return fmt.Errorf("logsink: tail %s: %w", r.path, err)
		}
	}
	var first *source // where the answer starts, when before the live file
	var firstAt int   // its index in older
	if n < 0 || found < n {
		first, firstAt = r.lookBack(older, n-found, size > 0, lookback)
	}
	if r.follow {
		// What comes after the first file read is found by stamp.
		switch {
		case first != nil:
			r.prev = older[firstAt].stamp
			for _, b := range older[firstAt+1:] {
				r.noteRotated(b)
			}
		case len(older) > 0:
			r.prev = older[len(older)-1].stamp
		}
	}
	switch {
	case first != nil && r.follow:
		// The live file is read again from its start once the rotated
		// files are read: it may be rotated meanwhile.
		if f != nil {
			_ = f.Close()
		}
		r.cur = first
	case first != nil:
		r.cur = first
		r.backlog = older[firstAt+1:]
		if f != nil {
			r.live = &source{f: f, limit: size}
		}
	case f != nil:
		r.cur = &source{f: f, off: off, limit: size}
		if r.follow {
			r.cur.followFrom(off)
		}
	}
	return nil
}

// openLive opens the live file (nil while there is none) and lists the
// rotated files older than it, oldest first. A rotation between the two is
// detected and the whole is done again, so that the live file is never
// also counted as a rotated one.
func (r *TailReader) openLive() (*os.File, os.FileInfo, []rotated, error) {
	for attempt := 0; ; attempt++ {
		before, err := r.rotatedFiles()
		if err != nil {
			return nil, nil, nil, err
		}
		f, err := openRegular(r.path)
		switch {
		case err == nil:
			r.openedRegular()
		case errors.Is(err, fs.ErrNotExist):
		case r.follow && errors.Is(err, ErrUnsafeFile):
			r.waitUnsafe(err)
		case errors.Is(err, ErrUnsafeFile):
			return nil, nil, nil, err // it names the package and the path
		default:
			return nil, nil, nil, fmt.Errorf("logsink: tail: %w", err)
		}
		var fi os.FileInfo
		if f != nil {
			if fi, err = f.Stat(); err != nil {
				_ = f.Close()
				return nil, nil, nil, fmt.Errorf("logsink: tail: %w", err)
			}
		}
		after, err := r.rotatedFiles()
		if err != nil {
			if f != nil {
				_ = f.Close()
			}
			return nil, nil, nil, err
		}
		if newest(before) == newest(after) {
			return f, fi, after, nil // nothing was rotated while f was opened
		}
		if attempt >= 3 { // rotating without pause: tell by identity
			if fi != nil {
				after = r.olderThan(fi, after)
			}
			return f, fi, after, nil
		}
		if f != nil {
			_ = f.Close()
		}
	}
}

// newest returns the stamp of the newest of files, "" if there is none.
func newest(files []rotated) string {
	if len(files) == 0 {
		return ""
	}
	return files[len(files)-1].stamp
}

// lookBack finds where the answer starts in the rotated files older than
// the live file: after the need-th newline counted backwards from their end
// (all of them when need is negative). lastSeen says whether the stream's
// last byte, which ends its last line whatever it is, is in the live file.
// It stops looking once the files it looked through hold lookback bytes.
// It returns the first file to read, positioned, and its index in older, or
// nil when the answer starts in the live file.
func (r *TailReader) lookBack(older []rotated, need int, lastSeen bool, lookback int64) (*source, int) {
	if len(older) == 0 {
		return nil, 0
	}
	if need < 0 {
		for i, b := range older {
			src, err := r.openRotated(b)
			if err == nil {
				return src, i
			}
			r.log.Warn("logsink: skipping a rotated log file that cannot be read", "path", r.path, "stamp", b.stamp, "error", err)
		}
		return nil, 0
	}
	var looked int64
	var start *source // the oldest file looked through, from its start
	startAt := 0
	for i := len(older) - 1; i >= 0; i-- {
		src, err := r.openRotated(older[i])
		if err != nil { // removed meanwhile (MaxBackups, MaxAge) or unreadable
			r.log.Warn("logsink: not looking for log lines before an unreadable rotated log file", "path", r.path, "stamp", older[i].stamp, "error", err)
			break
		}
		size, found, err := src.seek(need, !lastSeen)
		var damaged *damagedError
		if errors.As(err, &damaged) {
			// Its readable part counts, as for -n all: the lines before it
			// are looked for too, not left out without a word to the
			// client.
			r.log.Warn("logsink: a rotated log file is damaged: only its readable part is read", "path", r.path, "stamp", older[i].stamp, "error", err)
			err = nil
		}
		if err != nil {
			_ = src.f.Close()
			r.log.Warn("logsink: not looking for log lines before an unreadable rotated log file", "path", r.path, "stamp", older[i].stamp, "error", err)
			break
		}
		if start != nil {
			_ = start.f.Close()
		}
		start, startAt = src, i
		if found == need {
			break
		}
		need -= found
		lastSeen = lastSeen || size > 0
		if looked += size; looked >= lookback {
			break
		}
	}
	return start, startAt
}

// damagedError is the error of a rotated file that could be read only in
// part (a truncated gzip): seek positioned it in its readable part, which
// holds readable bytes.
type damagedError struct {
	err      error
	readable int64
}

func (e *damagedError) Error() string {
	return fmt.Sprintf("damaged after %d readable bytes: %v", e.readable, e.err)
}

func (e *damagedError) Unwrap() error { return e.err }

// seek positions a rotated file's source after its need-th newline counted
// backwards from its end (without its last byte if skipLast), and reports
// how many it found: need if it is positioned, fewer if the file holds
// fewer, and then it is read from its start. size is the file's
// uncompressed size.
func (s *source) seek(need int, skipLast bool) (size int64, found int, err error) {
	if s.gz != nil {
		return s.seekCompressed(need, skipLast)
	}
	fi, err := s.f.Stat()
	if err != nil {
		return 0, 0, err
	}
	size = fi.Size()
	end := size
	if skipLast && end > 0 {
		end--
	}
	off, found, err := newlinesBefore(s.f, end, need)
	if err != nil {
		return 0, 0, err
	}
	if _, err := s.f.Seek(off, io.SeekStart); err != nil {
		return 0, 0, err
	}
	return size, found, nil
}

// seekCompressed is seek for a gzipped file, which can only be read
// forwards: it counts the newlines, then reads the file again and skips
// those before the answer.
func (s *source) seekCompressed(need int, skipLast bool) (size int64, found int, err error) {
	buf := make([]byte, tailBlock)
	var newlines int
	var last byte
	var damaged error
	for {
		n, err := s.gz.Read(buf)
		newlines += bytes.Count(buf[:n], []byte{'\n'})
		size += int64(n)
		if n > 0 {
			last = buf[n-1]
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil && size > 0 {
			// Damaged (a truncated gzip): its readable part counts, and
			// a read of it stops at the same place, as -n all reads it.
			// A cut last line counts as a line: the read ends it there.
			damaged = err
			if last != '\n' {
				newlines++
				last = '\n'
			}
			break
		}
		if err != nil {
			return 0, 0, err
		}
	}
	if skipLast && size > 0 && last == '\n' {
		newlines--
	}
	if err := s.rewind(); err != nil {
		return 0, 0, err
	}
	if damaged != nil {
		err = &damagedError{err: damaged, readable: size} // positioned all the same
	}
	if newlines < need {
		return size, newlines, err
	}
	s.seq = &lineSkipper{r: s.seq, n: newlines - need + 1}
	return size, need, err
}

// rewind makes a rotated file's source read it from its start again.
func (s *source) rewind() error {
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if s.gz != nil {
		s.gz.n = 0
		return s.gz.zr.Reset(s.f)
	}
	return nil
}

// gzCount reads a compressed rotated file's content and counts it.
type gzCount struct {
	zr *gzip.Reader
	n  int64 // the bytes of content read so far
}

func (g *gzCount) Read(p []byte) (int, error) {
	n, err := g.zr.Read(p)
	g.n += int64(n)
	return n, err
}

// gzipSize returns how many bytes of content the gzipped file f, of size
// compressed bytes, holds beyond the first read ones, from the content's
// size that its gzip trailer gives (modulo 4 GiB, so that it is exact up
// to 4 GiB), or -1 if that cannot be read.
func gzipSize(f *os.File, size, read int64) int64 {
	var isize [4]byte
	if size < int64(len(isize)) {
		return -1
	}
	if _, err := f.ReadAt(isize[:], size-int64(len(isize))); err != nil {
		return -1
	}
	return int64(binary.LittleEndian.Uint32(isize[:]) - uint32(read))
}

// lineSkipper reads r without its first n lines.
type lineSkipper struct {
	r io.Reader
	n int
}

func (l *lineSkipper) Read(p []byte) (int, error) {
	for l.n > 0 {
		n, err := l.r.Read(p)
		data := p[:n]
		for l.n > 0 {
			i := bytes.IndexByte(data, '\n')
			if i < 0 {
				data = nil
				break
			}
			data = data[i+1:]
			l.n--
		}
		if len(data) > 0 {
			return copy(p, data), nil
		}
		if err != nil {
			return 0, err
		}
	}
	return l.r.Read(p)
}

// lastLinesStart returns the offset at which the last n lines of the first
// size bytes of f start, and how many newlines it counted before them: 0
// when n is negative or the file has at most n lines (found then says how
// many lines there are before the last one), size when n is 0. It reads
// backwards from the end in blocks.
func lastLinesStart(f io.ReaderAt, size int64, n int) (int64, int, error) {
	switch {
	case n < 0 || size == 0:
		return 0, 0, nil
	case n == 0:
		return size, 0, nil
	}
	// The last byte ends the last line, whether it is a newline or not; each
	// newline before it starts one more line.
	off, found, err := newlinesBefore(f, size-1, n)
	if errors.Is(err, io.EOF) { // truncated meanwhile: start over from the top
		return 0, n, nil
	}
	return off, found, err
}

// newlinesBefore looks backwards through the first end bytes of f for n
// newlines. It returns the offset after the n-th one from the end and n, or
// 0 and how many there are if there are fewer.
func newlinesBefore(f io.ReaderAt, end int64, n int) (int64, int, error) {
	if n <= 0 {
		return end, 0, nil
	}
	buf := make([]byte, min(end, tailBlock))
	found := 0
	for end > 0 {
		start := max(0, end-int64(len(buf)))
		block := buf[:end-start]
		if _, err := f.ReadAt(block, start); err != nil {
			return 0, 0, err
		}
		for i := len(block); ; {
			if i = bytes.LastIndexByte(block[:i], '\n'); i < 0 {
				break
			}
			if found++; found == n {
				return start + int64(i) + 1, n, nil
			}
		}
		end = start
	}
	return 0, found, nil
}

// Read reads what comes next: first the tail of the file, then, when
// following, new output, waiting for it as long as there is none. It returns
// io.EOF once the whole tail is read (without Follow), once the context
// has ended or Close was called, also when that happens while Read waits,
// or, once TailOptions.Finish is closed, at the end of what the log holds.
func (r *TailReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if r.drained {
		return 0, io.EOF
	}
	for {
		if !r.draining && r.finished() {
			// What was written before Finish was closed is read by the
			// steps from now on: none waits any more.
			r.draining = true
		}
		n, err := r.step(p)
		if n > 0 {
			r.last, r.sent = p[n-1], true
		}
		if err != nil && !errors.Is(err, io.EOF) && (r.isDone() || errors.Is(err, errWatcherClosed)) {
			err = io.EOF // failures caused by Close tearing things down
		}
		if n > 0 || err != nil {
			return n, err
		}
		if r.draining {
			r.drained = true // read to the end: what comes later is not read
			return 0, io.EOF
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
	defer func() {
		// A file removed while this step read it: a reader that stops
		// reading now must not keep it.
		r.releaseIfRemoved()
		r.mu.Unlock()
	}()
	r.releaseIfRemoved()
	// Draining, the reader watches nothing any more (its Watcher may be
	// closed): it reads by path.
	if r.follow && r.rescan.Swap(false) && !r.closed && !r.draining {
		if err := r.attach(); err != nil {
			return 0, err
		}
	}
	for {
		switch {
		case r.closed:
			return 0, io.EOF
		case r.cur == nil && !r.follow:
			if !r.nextPending() {
				return 0, io.EOF
			}
			continue
		case r.cur == nil && r.resume != nil:
			r.resumeRemoved()
			continue
		case r.cur == nil:
			if ok, err := r.advance(); !ok || err != nil {
				return 0, err
			}
			continue
		}
		if r.gap {
			r.gap = false
			if r.sent && r.last != '\n' {
				// A line sent in part, whose rest was skipped: ended
				// here, so that it does not run into what comes next.
				p[0] = '\n'
				return 1, nil
			}
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
			if r.cur.openLine && len(p) > 0 {
				// Its last line is cut: ended here, so that it does not
				// run into the next file's first (seek counted it so).
				r.cur.openLine = false
				r.closeCur()
				p[0] = '\n'
				return 1, nil
			}
		}
		switch {
		case r.cur.seq != nil: // a rotated file is complete: go on to the next one
			r.closeCur()
			continue
		case !r.follow:
			return 0, io.EOF
		}
		ch, fi, err := r.checkLive()
		switch {
		case err != nil:
			return 0, err
		case ch == unchanged:
			return 0, nil
		case ch == truncated:
			if ok, nl := r.cur.cutBack(fi.Size()); ok {
				if nl && len(p) > 0 {
					p[0] = '\n'
					return 1, nil
				}
				continue
			}
			r.cur.off, r.cur.seen = 0, r.cur.seen[:0]
			continue
		}
		// Replaced: whoever wrote to the old file stopped before the path
		// changed, so what the old file has now is all it will ever have.
		if n, err := r.cur.read(p); n > 0 {
			return n, nil
		} else if err != nil && !errors.Is(err, io.EOF) {
			return 0, fmt.Errorf("logsink: read %s: %w", r.path, err)
		}
		r.closeLeft()
		r.left = &liveLeft{f: r.cur.f, off: r.cur.off, seen: r.cur.seen}
		r.cur = nil
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

// nextPending makes the next file of a reader without Follow the current
// one: the next rotated file of the backlog that can still be opened, else
// the live file. It reports false when none is left.
func (r *TailReader) nextPending() bool {
	for len(r.backlog) > 0 {
		b := r.backlog[0]
		r.backlog = r.backlog[1:]
		src, err := r.openRotated(b)
		if err != nil { // removed meanwhile (MaxBackups, MaxAge) or unreadable
			r.log.Warn("logsink: skipping a rotated log file that cannot be read", "path", r.path, "stamp", b.stamp, "error", err)
			continue
		}
		r.cur = src
		return true
	}
	r.cur, r.live = r.live, nil
	return r.cur != nil
}

func (r *TailReader) closeCur() {
	if err := r.cur.f.Close(); err != nil {
		r.log.Warn("logsink: close log file", "file", r.cur.f.Name(), "error", err)
	}
	r.cur = nil
}

// wait waits for a change to the watched files, Close, the end of the
// context (which calls Close), or Finish (Read then drains).
func (r *TailReader) wait() error {
	select {
	case <-r.wake:
		return nil
	case <-r.finish:
		return nil
	case <-r.done:
		return io.EOF
	case <-r.ended:
		switch {
		case r.isDone():
			return io.EOF
		case r.finished():
			// Finish came first (the program closes its Watcher after
			// it): the reader drains, by path, without the Watcher.
			return nil
		case r.endErr == nil:
			return io.EOF
		}
		return fmt.Errorf("logsink: follow %s: %w", r.path, r.endErr)
	}
}

// finished reports whether TailOptions.Finish is closed.
func (r *TailReader) finished() bool {
	select {
	case <-r.finish:
		return true
	default:
		return false
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

// unwatch ends the reader's use of its Watcher, and closes the Watcher if
// it is its own.
func (r *TailReader) unwatch() {
	if r.sub != nil {
		r.sub.close()
	}
	if r.own != nil {
		_ = r.own.Close()
	}
}

// Close stops the reader: a Read waiting for output returns io.EOF, and so
// does every later Read. It releases the open file and stops the watcher
// goroutine before it returns. Close is idempotent; later calls return the
// first call's result. It is called by itself when the context ends.
func (r *TailReader) Close() error {
	r.closeOnce.Do(func() {
		close(r.done)
		r.unwatch()
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
		if r.live != nil {
			if err := r.live.f.Close(); err != nil && r.closeErr == nil {
				r.closeErr = fmt.Errorf("logsink: tail: %w", err)
			}
			r.live = nil
		}
		if r.left != nil {
			if err := r.left.f.Close(); err != nil && r.closeErr == nil {
				r.closeErr = fmt.Errorf("logsink: tail: %w", err)
			}
			r.left = nil
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
