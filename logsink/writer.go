package logsink

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"gopkg.in/natefinch/lumberjack.v2"
)

const (
	// compressSuffix is the suffix lumberjack gives compressed backups.
	compressSuffix = ".gz"
	// maxNameWait bounds, in milliseconds, the wait for a free backup name.
	maxNameWait = 2000
	// resourceRetry is how long, after a write or an open of the log file
	// failed for lack of a resource (a full disk: see shortOfResource), the
	// output is dropped without trying again: trying for each chunk costs
	// a dozen system calls, far more than writing it would.
	resourceRetry = 100 * time.Millisecond
)

// streamWriter owns one stream's log file. Its goroutine, run, is the only
// one writing, rotating or closing the file; readers only push to q.
//
// run is started on demand, when output is queued, a rotation is asked for
// or the Sink closes, and returns as soon as nothing is left to do, so an
// idle stream has no goroutine. At most one run is active at a time; the
// next one takes over the state it owns.
type streamWriter struct {
	maxSize int64
	maxAge  time.Duration  // Options.MaxAge
	z       *compressor    // nil without Options.Compress
	out     io.WriteCloser // &lj, possibly wrapped by a test
	// lj, the queue and stats are held by value: one allocation per stream
	// instead of four (a thousand services have two thousand streams); the
	// struct is kept within the 384-byte size class (TestStreamWriterSize).
	lj    lumberjack.Logger
	queue queue
	stats streamStats

	mu        sync.Mutex
	rotations []chan error // Rotate calls waiting for their rotation
	running   bool         // run is active, or started and about to be
	timed     bool         // the RotateEvery timer asked for a rotation
	ended     bool         // a pipe of the stream ended: close the file once idle
	closing   bool         // Close asked for the final drain
	closed    bool         // the final run is done: start no other
	// stamps is Options.Timestamps, which never changes; midLine, owned by
	// the active run, says that the last byte it staged was not a newline:
	// the next one gets no stamp, and a mark of queue.markBreak adds a
	// newline. lost, owned by the active run too, says that a failed
	// write lost the last bytes staged since (lostMidLine: they ended in
	// the middle of a line, which the next bytes may go on with):
	// midLine, cleared then, does not tell how the file ends, and endLine
	// looks at the file. (Beside the flags above, where they take no room
	// of their own.)
	stamps, midLine bool
	lost            loss
	runs            sync.WaitGroup // the active run

	// Owned by the active run (and by Open before any run starts).
	live     os.FileInfo   // the live file when last checked; nil while out is closed
	size     int64         // bytes in the live file
	retryAt  time.Duration // after a failure for lack of a resource: drop output without trying until monotonic() passes it
	closeErr error         // result of the final Close, set before the final run returns
}

// loss is what a failed write lost of the bytes staged last (see
// streamWriter.lost).
type loss uint8

const (
	lostNone      loss = iota
	lostAtLineEnd      // they ended with a newline
	lostMidLine        // they ended in the middle of a line whose start is in the file
	// lostLineStart: they ended in the middle of a line whose start they
	// held too (with Options.Timestamps only): that start's stamp is not
	// counted as dropped yet, since the line's end may still come, with a
	// stamp of its own (see streamWriter.lose).
	lostLineStart
)

// stampLen is the length of every stamp of Options.Timestamps
// (appendStamp): UTC to the millisecond, then a space.
const stampLen = len("2006-01-02T15:04:05.000Z ")

// lumberjackMaxSize returns lumberjack's MaxSize (in MiB) for a stream
// that rotates before its file exceeds maxSize bytes: 2 MiB above it, but
// no more than lumberjack can multiply by a MiB in an int64 and hold in an
// int. A size near the largest int64 (what one who wants no rotation by
// size would write) overflowed there: every write was refused.
func lumberjackMaxSize(maxSize int64) int {
	const mib = 1 << 20
	n := maxSize/mib + 2
	if n > math.MaxInt64/mib {
		n = math.MaxInt64 / mib
	}
	if n > math.MaxInt {
		return math.MaxInt
	}
	return int(n)
}

func newStreamWriter(st Stream, o Options, cb *callbacks, wrap wrapFunc) *streamWriter {
	path := filepath.Join(o.Dir, st.String()+".log")
	w := &streamWriter{
		maxSize: o.MaxSize,
		maxAge:  o.MaxAge,
		// lumberjack opens the file, and starts its goroutine, at the first
		// write: a stream that is never written to costs neither.
		lj: lumberjack.Logger{
			Filename: path,
			// The writer rotates before a file exceeds o.MaxSize;
			// lumberjack's own rotation, set above it, is only a safety net.
			MaxSize:    lumberjackMaxSize(o.MaxSize),
			MaxBackups: o.MaxBackups,
			MaxAge:     days(o.MaxAge),
			// The Sink compresses by itself (see compressor).
		},
		queue:  queue{limit: int32(o.QueueBytes), maxBlock: o.MaxBlock, budget: o.Budget},
		stats:  streamStats{st: st, cb: cb},
		stamps: o.Timestamps,
	}
	w.out = &w.lj
	if wrap != nil {
		w.out = wrap(st, w.out)
	}
	if o.Compress {
		w.z = newCompressor(path, &w.stats, o.Compressors)
	}
	return w
}

// monotonic is the time since the process started, on the monotonic
// clock: a deadline kept as a Duration takes 8 bytes, not a time.Time's 24.
func monotonic() time.Duration { return time.Since(processStart) }

// processStart is when this package was initialised; it never changes.
var processStart = time.Now()

// path returns the path of the live file. It is not kept apart: lumberjack
// has it, and never changes it.
func (w *streamWriter) path() string { return w.lj.Filename }

// st returns the stream written.
func (w *streamWriter) st() Stream { return w.stats.st }

// dir returns the directory of the log files, Options.Dir (cleaned). It
// is not kept apart: it is a substring of path.
func (w *streamWriter) dir() string { return filepath.Dir(w.path()) }

// days converts a retention age to lumberjack's unit, rounding up.
func days(d time.Duration) int {
	const day = 24 * time.Hour
	n := int(d / day)
	if d%day != 0 {
		n++
	}
	return n
}

// readAt returns the time to queue output read now with: now, with
// Options.Timestamps (each line is stamped with the time its first byte was
// read, not written: a hung disk does not delay the stamps, and lines of
// the two streams keep their order by them); else 0, without reading the
// clock.
func (w *streamWriter) readAt() int64 {
	if !w.stamps {
		return 0
	}
	return time.Now().UnixNano()
}

// push queues b, read at at, for writing, waiting for room as queue.push
// does, and makes sure that a run will write it. Unless it says pushed, the
// caller drops b.
func (w *streamWriter) push(b []byte, at int64, giveUp, hurry <-chan struct{}) pushResult {
	if r := w.queue.push(b, at, giveUp, hurry); r != pushed {
		return r
	}
	// After the chunk is queued: either the active run sees it before it
	// decides to return (under w.mu), or it has returned and a new one starts.
	w.mu.Lock()
	w.startLocked()
	w.mu.Unlock()
	return pushed
}

// offer queues b, read at at, for writing if it fits, as queue.tryPush
// does, and makes sure that a run will write it.
func (w *streamWriter) offer(b []byte, at int64, wt roomWaiter) pushResult {
	r := w.queue.tryPush(b, at, wt)
	if r == pushed {
		w.mu.Lock()
		w.startLocked()
		w.mu.Unlock()
	}
	return r
}

// offerOver queues b, read at at, for writing even past the queue's bound,
// as queue.pushOver does, and makes sure that a run will write it.
func (w *streamWriter) offerOver(b []byte, at int64) pushResult {
	r := w.queue.pushOver(b, at)
	if r == pushed {
		w.mu.Lock()
		w.startLocked()
		w.mu.Unlock()
	}
	return r
}

// requestRotate asks for a rotation, after what is queued is written, and
// waits for its result.
func (w *streamWriter) requestRotate() error {
	reply := make(chan error, 1)
	w.mu.Lock()
	if w.closing {
		w.mu.Unlock()
		return ErrClosed
	}
	w.rotations = append(w.rotations, reply)
	w.startLocked()
	w.mu.Unlock()
	return <-reply
}

// rotateSoon asks for a rotation, after what is queued is written, without
// waiting for it; its errors are only reported. Requests made while one is
// pending are merged into it.
func (w *streamWriter) rotateSoon() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closing {
		return
	}
	w.timed = true
	w.startLocked()
}

// pipeEnded has the file closed once what is queued is written: a pipe of
// the stream has ended, so the process that wrote to it is gone, and a
// service that exited or was stopped must not keep its log file open (a
// file removed by hand would keep its disk space until the next output).
// The next write opens the path again.
func (w *streamWriter) pipeEnded() {
	w.queue.pipeClosed()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closing {
		return
	}
	w.ended = true
	w.startLocked()
}

// stop asks for the final drain: run writes what is queued and closes the
// file. The caller makes sure that nothing is pushed any more.
func (w *streamWriter) stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closing = true
	w.startLocked()
}

// wait waits, after stop, until the file is closed and returns the result of
// closing it.
func (w *streamWriter) wait() error {
	w.runs.Wait() // stop was called: no run starts after the final one
	return w.closeErr
}

// startLocked starts run unless one is active. w.mu is held.
func (w *streamWriter) startLocked() {
	if w.running || w.closed {
		return
	}
	w.running = true
	w.runs.Go(w.run)
}

// run writes what is queued and does the rotations asked for until nothing
// is left to do, then returns; after stop, it closes the file instead. The
// decision to return is taken under w.mu and only if the queue is empty, so
// whatever is pushed or asked for later starts a new run.
func (w *streamWriter) run() {
	var b batch // kept only while the run lasts
	for {
		w.mu.Lock()
		rotations, timed, ended, closing := w.rotations, w.timed, w.ended, w.closing
		w.rotations, w.timed, w.ended = nil, false, false
		if len(rotations) == 0 && !timed && !ended && !closing && w.queue.empty() {
			w.running = false
			w.mu.Unlock()
			return
		}
		w.mu.Unlock()

		w.drainOnce(&b)
		if timed || len(rotations) > 0 {
			err := w.rotate(&b)
			if timed && err != nil {
				w.stats.report(err)
			}
			for _, reply := range rotations {
				reply <- err
			}
		}
		if closing {
			// Every reader has exited, so nothing is pushed after this.
			for w.drainOnce(&b) {
			}
			w.endCarriedLine()
			w.settleLoss()
			w.live = nil
			w.closeErr = w.out.Close()
			stopMill(&w.lj)
			w.stats.stop()
			w.mu.Lock()
			w.running, w.closed = false, true
			w.mu.Unlock()
			return
		}
		if ended && w.live != nil {
			// What the ended pipe held is written: its reader queued it all
			// before it reported the end. Output of another pipe still open
			// reopens the file.
			w.closeOut()
		}
	}
}

// batch is what a run keeps between its writes: small chunks coalesced
// into one write, and the queue's other chunk slice. It lives as long as
// the run, so an idle stream keeps none of it.
type batch struct {
	stage    []byte  // small chunks coalesced into one write
	stageBuf *[]byte // stage's buffer from chunkPool, taken by add; nil between drains
	spare    []chunk // the queue's other chunk slice
	// With Options.Timestamps: the bytes of stage that came from the
	// queue (the rest are stamps and added), and the last stamp made, of
	// the millisecond stampMS (Unix milliseconds).
	queued  int
	stamp   []byte
	stampMS int64
	// added counts the bytes of stage that came from neither the queue
	// nor a stamp: the newlines of endLine.
	added int
	// lead says how stage begins, with Options.Timestamps.
	lead lead
}

// lead says how the bytes a write drops begin: a stage (batch.lead), or,
// after the start of a stage that was written, a line (line true).
type lead struct {
	// synth is the length of what they start with that the file would
	// not have had but for a failed write before them, which lost bytes in
	// the middle of a line (see lose): a stamp that goes on with a line
	// whose start was lost too, or a newline and a stamp after the line's
	// start, which is in the file. Were they dropped too, they would not
	// be counted.
	synth int
	// line says that they begin a line of its own with its stamp; owed,
	// that they go on with a line whose start (and the start's stamp) a
	// failed write lost (lostLineStart).
	line, owed bool
}

// drainOnce writes the chunks queued so far. It reports whether there were
// any.
func (w *streamWriter) drainOnce(b *batch) bool {
	had, _ := w.drainCounting(b)
	return had
}

// drainCounting is drainOnce, and also returns how many pipes of the
// stream were open when it took the chunks (see queue.take).
func (w *streamWriter) drainCounting(b *batch) (had bool, pipes int) {
	chunks, pipes := w.queue.take(b.spare)
	if len(chunks) == 0 {
		b.spare = chunks
		return false, pipes
	}
	w.checkLive()
	for _, c := range chunks {
		if c.b == nil { // queue.markBreak
			w.endLine(b)
			continue
		}
		w.add(b, c)
	}
	w.flush(b)
	if b.stageBuf != nil {
		chunkPool.Put(b.stageBuf)
		b.stage, b.stageBuf = nil, nil
	}
	clear(chunks)
	b.spare = chunks[:0]
	return true, pipes
}

// add writes c, directly if it is large, else through the stage buffer
// (taken from chunkPool when first needed; always with Options.Timestamps),
// and recycles c's buffer if it came from the pool.
func (w *streamWriter) add(b *batch, ch chunk) {
	c := ch.b
	// Without stamps, midLine follows c once what was staged before it is
	// written (a failed write of that clears it: lose).
	switch {
	case w.stamps:
		w.addStamped(b, c, ch.at)
	case len(c) >= chunkSize/2:
		w.flush(b)
		w.midLine, w.lost = c[len(c)-1] != '\n', lostNone
		w.write(c, len(c), lead{})
	default:
		if len(b.stage)+len(c) > chunkSize {
			w.flush(b)
		}
		w.midLine = len(c) > 0 && c[len(c)-1] != '\n'
		if len(c) > 0 {
			w.lost = lostNone
		}
		b.takeStage()
		b.stage = append(b.stage, c...)
	}
	if cap(c) == chunkSize {
		putChunk(c)
	}
}

// endLine ends the line written last, if it is unfinished, at a mark of
// queue.markBreak: so that the next process's output, or the output after
// a gap, starts on a line of its own (and, with Options.Timestamps, with a
// stamp). If the unfinished line is in a file rotated (or moved away)
// since, the newline is the new file's first byte: readers join the files,
// and it ends the line there (see rotate, which ends it in its own file
// when no process can finish it).
func (w *streamWriter) endLine(b *batch) {
	if w.lost != lostNone {
		// The line's end was lost in a failed write: whether the file
		// ends a line is in the file.
		w.settleLoss()
		w.midLine, w.lost = w.fileEndsMidLine(), lostNone
	}
	if !w.midLine {
		return
	}
	w.midLine = false
	b.takeStage()
	if len(b.stage) == chunkSize {
		w.flush(b)
	}
	b.stage = append(b.stage, '\n')
	b.added++
}

// fileEndsMidLine reports whether the live file, or while none is open the
// file at the path, ends in the middle of a line.
func (w *streamWriter) fileEndsMidLine() bool {
	if w.live != nil {
		return endsMidLine(w.path(), w.live, w.size)
	}
	fi, err := os.Lstat(w.path())
	if err != nil || !fi.Mode().IsRegular() {
		return false
	}
	return endsMidLine(w.path(), fi, fi.Size())
}

// addStamped copies c, read at at, into the stage buffer with at's stamp
// before each line it starts, writing the stage out whenever it is full.
func (w *streamWriter) addStamped(b *batch, c []byte, at int64) {
	for len(c) > 0 {
		b.takeStage()
		if !w.midLine {
			b.stampFor(at)
			if len(b.stage)+len(b.stamp) >= chunkSize { // no room for a byte after it
				w.flush(b)
			}
			if len(b.stage) == 0 {
				switch w.lost {
				case lostMidLine:
					if w.fileEndsMidLine() {
						// The line's start is in the file, its middle
						// lost: what comes next starts a line of its own,
						// as after any gap, not a stamp inside that line.
						b.stage = append(b.stage, '\n')
						b.added++
					}
					// Neither counts if dropped: the file would have had
					// neither (see lead.synth).
					b.lead.synth = len(b.stage) + len(b.stamp)
				case lostLineStart:
					b.lead.synth, b.lead.owed = len(b.stamp), true
				default:
					b.lead.line = true
				}
			}
			b.stage = append(b.stage, b.stamp...)
			w.midLine = true
		}
		piece := c
		if i := bytes.IndexByte(c, '\n'); i >= 0 {
			piece = c[:i+1]
		}
		if room := chunkSize - len(b.stage); len(piece) > room {
			piece = piece[:room] // the line goes on in the next write
		}
		b.stage = append(b.stage, piece...)
		b.queued += len(piece)
		w.lost = lostNone
		c = c[len(piece):]
		if piece[len(piece)-1] == '\n' {
			w.midLine = false
		}
		if len(b.stage) == chunkSize {
			w.flush(b)
		}
	}
}

// takeStage takes the stage's buffer from chunkPool if b has none yet;
// drainOnce gives it back.
func (b *batch) takeStage() {
	if b.stageBuf == nil {
		b.stageBuf = chunkPool.Get().(*[]byte)
		b.stage = (*b.stageBuf)[:0]
	}
}

// stampFor makes b.stamp the stamp of at (Unix nanoseconds; 0, the time of
// the call), formatting it only when its millisecond changes.
func (b *batch) stampFor(at int64) {
	if at == 0 {
		at = time.Now().UnixNano()
	}
	if ms := at / 1e6; ms != b.stampMS || len(b.stamp) == 0 {
		b.stamp = appendStamp(b.stamp[:0], time.Unix(0, at))
		b.stampMS = ms
	}
}

// appendStamp appends t's stamp (see Options.Timestamps) to b.
func appendStamp(b []byte, t time.Time) []byte {
	b = t.UTC().AppendFormat(b, "2006-01-02T15:04:05.000Z07:00")
	return append(b, ' ')
}

func (w *streamWriter) flush(b *batch) {
	p := b.stage
	if len(p) > 0 {
		queued := len(p) - b.added
		if w.stamps {
			queued, b.queued = b.queued, 0
		}
		w.write(p, queued, b.lead)
	}
	b.added, b.lead = 0, lead{}
	b.stage = b.stage[:0]
}

// write writes p (at most chunkSize bytes) to the live file, rotating first
// if p would take the file past maxSize. The rotation comes between two
// lines if it can: the file first takes p up to its last newline that
// fits, so that a line is split between two files only if it would take
// the file past maxSize; and a p that would fill the file up to maxSize in
// the middle of a line is cut the same way, since the line's end would not
// fit. On failure what is left of p is dropped and the
// file is closed, so that the next write starts again from the path; after
// a failure for lack of a resource (a full disk), the writes of the next
// resourceRetry drop their output without trying. Either way the queued
// bytes p holds (all of it, but for the stamps of Options.Timestamps) are
// then released from the queue's bound: every queued byte passes through
// write exactly once, so room is freed as soon as each write returns.
func (w *streamWriter) write(p []byte, queued int, ld lead) {
	defer w.queue.release(queued)
	if w.live == nil && monotonic() < w.retryAt {
		w.stats.dropUnreported(w.lose(p, ld))
		return
	}
	if err := w.ensureLive(); err != nil {
		w.failed(p, ld, err)
		return
	}
	room := w.maxSize - w.size
	past := int64(len(p)) > room
	fills := int64(len(p)) == room && len(p) > 0 && p[len(p)-1] != '\n' // full in mid-line
	if past || fills {
		i := bytes.LastIndexByte(p[:max(room, 0)], '\n')
		if i < 0 && room <= 0 && w.size > 0 && len(p) > 0 && p[0] == '\n' {
			// The file is full already (left so by a larger MaxSize, or
			// by a rotation that failed) and ends in the middle of a
			// line, which p's first byte ends (endLine's newline, say):
			// that byte goes to it, one past MaxSize, rather than start
			// the new file with an empty line.
			i = 0
		}
		if i >= 0 {
			if !w.writeOut(p, i+1, ld) {
				return
			}
			p, ld = p[i+1:], lead{line: true}
		}
		if w.size > 0 {
			if err := w.rotateLive(); err != nil {
				w.stats.report(err)
				// Keep writing to whatever file the path names.
				if err := w.ensureLive(); err != nil {
					w.failed(p, ld, err)
					return
				}
			}
		}
	}
	w.writeOut(p, len(p), ld)
}

// writeOut writes the first n bytes of p to the output and reports whether
// it could. On failure it closes the output and drops all of p that was not
// written, and the piece of a line the write left at the end of the file
// (see cutPartialLine).
func (w *streamWriter) writeOut(p []byte, n int, ld lead) bool {
	start, live, began := w.size, w.live, time.Now()
	written, err := w.out.Write(p[:n])
	if err != nil {
		err = openCause(w.path(), live, err)
		w.putBackLive(live, began)
		w.closeOut()
		written = w.cutPartialLine(live, start, p[:written])
	}
	w.size = start + int64(written)
	w.stats.written.Add(uint64(written))
	if written > 0 {
		// The stage's start is in the file, and a failed write keeps whole
		// lines: what it drops begins a line.
		ld = lead{line: true}
	}
	if err != nil {
		w.failed(p[written:], ld, err)
		return false
	}
	if n > 0 {
		w.stats.wrote()
	}
	return true
}

// openCause returns the error of a write to the live file at path that
// lumberjack reports as a failed rename: when it cannot open the file that
// is there (live, not nil), lumberjack falls back to a rotation, whose
// rename then fails too (on a read-only file system, say), and says only
// "can't rename log file", though no rotation was due. The open is tried
// again here (not following a symlink, not waiting for a FIFO: the live
// path is a regular file but for a race) to name its own error, as the
// cause. Any other err is returned as it is (at EMFILE, the rename works,
// and lumberjack's error is the open's).
func openCause(path string, live os.FileInfo, err error) error {
	if live == nil || !strings.HasPrefix(err.Error(), "can't rename log file") {
		return err
	}
	f, oerr := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|oNoFollow|oNonBlock, 0)
	if oerr == nil {
		f.Close()
		return err
	}
	return fmt.Errorf("%w (then lumberjack's fallback: %v)", oerr, err)
}

// cutPartialLine is called once a write that failed has written done, the
// start of its data, at offset start of the live file, which live
// describes, and the output is closed. A full disk takes a write up to its
// last free block, mostly in the middle of a line: the piece would stay
// in the file, and the next write, once there is room, would glue a later
// line to it. So the file is truncated to the end of the last line done
// holds whole (to start if none), and what is cut is dropped with the
// rest: the bytes dropped are exactly those missing from the file. It
// returns the bytes of done left in the file: all of them if the path no
// longer names that file, or its size is not what the writer knows
// (someone else changed it, and it is left alone), or if it cannot be
// truncated (reported).
func (w *streamWriter) cutPartialLine(live os.FileInfo, start int64, done []byte) int {
	keep := bytes.LastIndexByte(done, '\n') + 1
	if keep == len(done) || live == nil {
		return len(done)
	}
	cut, err := truncateFile(w.path(), live, start+int64(len(done)), start+int64(keep))
	if err != nil {
		w.stats.report(fmt.Errorf("cut the partial line off %s: %w", w.path(), err))
	}
	if !cut {
		return len(done)
	}
	return keep
}

// putBackLive undoes the rotation lumberjack makes by itself when a
// write that began at began had it open the live file and it could not:
// its openExistingOrNew then falls back to openNew, which renames the
// live file to a backup of the current millisecond before it creates a
// new one (and fails to). live, the file the path named before that
// write, is put back under the path, if lumberjack left nothing there or
// an empty file of its own. Without it each open that failed for lack of
// a descriptor (superd at its RLIMIT_NOFILE) made one more backup, and
// MaxBackups removed real ones. lumberjack's backup is looked for by
// name, one millisecond at a time from the newest: reading the directory
// would need a descriptor.
func (w *streamWriter) putBackLive(live os.FileInfo, began time.Time) {
	if live == nil {
		return
	}
	fi, err := os.Lstat(w.path())
	switch {
	case err == nil && os.SameFile(fi, live):
		return // not moved
	case err == nil && (!fi.Mode().IsRegular() || fi.Size() > 0):
		return // another file, not lumberjack's new empty one
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return
	}
	from := began.Truncate(time.Millisecond)
	t := time.Now().Truncate(time.Millisecond)
	for range maxNameWait {
		if t.Before(from) {
			return
		}
		backup := backupName(w.path(), t)
		if bi, err := os.Lstat(backup); err == nil && os.SameFile(bi, live) {
			if err := os.Rename(backup, w.path()); err != nil {
				w.stats.report(fmt.Errorf("put %s back after a failed open: %w", w.path(), err))
			}
			return
		}
		t = t.Add(-time.Millisecond)
	}
}

// drop counts the n bytes of output a reader could not queue, for err. With
// Options.Timestamps, what it queues next starts a line of its own, with a
// stamp: the line the dropped bytes went on with, or ended, is not glued to
// the next. Without, the output stays as read, less the bytes dropped.
func (w *streamWriter) drop(n int, err error) {
	w.stats.lose(n, err)
	w.markGap()
}

// markGap marks, with Options.Timestamps, that output was dropped here:
// what is queued next starts a line of its own (see drop). A reader calls
// it before it queues anything more, so that the mark stays between the
// output before the gap and the output after it.
func (w *streamWriter) markGap() {
	if w.stamps {
		w.queue.markBreak()
	}
}

// failed drops the bytes lost, which a write could not write because of
// err, and, if err says that a resource ran out, has the output of the
// next resourceRetry dropped without trying. ld says how they begin.
func (w *streamWriter) failed(lost []byte, ld lead, err error) {
	if shortOfResource(err) {
		w.retryAt = monotonic() + resourceRetry
	}
	w.stats.lose(w.lose(lost, ld), err)
}

// lose records that lost, the last bytes staged, beginning as ld says,
// were not written (a failed write keeps whole lines only), and returns
// how many of them to count as dropped: what the file misses of them.
//
// With Options.Timestamps, what comes next starts with a stamp, even if it
// goes on with a line whose start was lost, so that no line of the file
// lacks one; so each line counts one stamp, whatever pieces it was lost
// in: not ld.synth (a stamp, or a newline and a stamp, that the file
// would not have had), and not the stamp of a line whose start lost holds
// but not its end, until that end is lost too (it is then counted), or
// the output breaks there (endLine, settleLoss); if that end is written,
// the file has a stamp for the line and that one is never counted. A
// break (endLine) before anything else is staged looks at the file, which
// may still end in the middle of a line written before.
func (w *streamWriter) lose(lost []byte, ld lead) int {
	if len(lost) == 0 {
		return 0
	}
	synth := min(ld.synth, len(lost))
	n, rest := len(lost)-synth, lost[synth:]
	endsMid := lost[len(lost)-1] != '\n'
	w.midLine = false
	if !w.stamps {
		w.lost = lostAtLineEnd
		if endsMid {
			w.lost = lostMidLine
		}
		return n
	}
	nl := bytes.IndexByte(rest, '\n')
	if ld.owed && nl >= 0 {
		n += stampLen // the owed line's end is lost too
	}
	switch {
	case !endsMid:
		w.lost = lostAtLineEnd
	case nl >= 0 || ld.line:
		// The last line's start, and its stamp, are in rest.
		n -= min(stampLen, n)
		w.lost = lostLineStart
	case ld.owed:
		w.lost = lostLineStart // still without its end
	default:
		w.lost = lostMidLine
	}
	return n
}

// settleLoss is called where the output breaks (endLine, a rotation with
// no writer left): a line whose start a failed write lost, and whose end
// did not come, will not come; its stamp counts now.
func (w *streamWriter) settleLoss() {
	if w.lost == lostLineStart {
		w.stats.dropUnreported(stampLen)
	}
}

// ensureLive makes sure the live file exists as a regular file (creating the
// directory too if needed) unless it is known already. lumberjack opens it,
// appending, on its next write.
func (w *streamWriter) ensureLive() error {
	if w.live != nil {
		return nil
	}
	if err := ensureDir(w.dir()); err != nil {
		return err
	}
	// The directory may have been made again since the lock was taken,
	// or the lock refused after Open returned (see dirLock).
	if err := w.stats.cb.lock.take(false); err != nil {
		return err
	}
	fi, unsafe, err := ensureFile(w.path())
	if unsafe != nil {
		w.stats.report(unsafe)
	}
	if err != nil {
		return err
	}
	if werr := mayNotWrite(w.path(), fi); errors.Is(werr, fs.ErrPermission) {
		// Left by a superd run as another user: moved aside as by a
		// rotation, and replaced. lumberjack would do that itself, but
		// with the old file's mode and owner, failing on the owner, and
		// lose the write that found it.
		backup, err := w.freeBackupName()
		if err == nil {
			err = os.Rename(w.path(), backup)
		}
		if err != nil {
			return fmt.Errorf("log file %s: %w, and it cannot be moved aside: %w", w.path(), werr, err)
		}
		leaveStamp(w.path())
		w.stats.report(fmt.Errorf("log file %s: %w; moved it to %s", w.path(), werr, filepath.Base(backup)))
		if fi, _, err = ensureFile(w.path()); err != nil {
			return err
		}
	}
	w.live, w.size = fi, fi.Size()
	return nil
}

// prepare makes sure, at Open, that the live file exists as a regular file.
// It keeps nothing of it but whether it ends in the middle of a line: out
// is not open yet (lumberjack opens the file at the first write) and the
// first write looks at the path again anyway. A file that does (the last
// process of an earlier superd, or of the service's previous definition,
// ended in the middle of one) has the next process's output start on a
// line of its own, at the break its Pipes marks, as after a restart.
func (w *streamWriter) prepare() error {
	if err := w.ensureLive(); err != nil {
		return err
	}
	w.midLine = endsMidLine(w.path(), w.live, w.size)
	w.live = nil
	return nil
}

// checkLive closes the output if the path no longer names the live file
// (removed, renamed, replaced, or its directory is gone), so that the next
// write reopens the path instead of writing into a file nobody sees. It
// does so too if the file is shorter than written (truncated by hand or by
// logrotate's copytruncate), so that its size is counted again, by the
// writer and by lumberjack, and it is not rotated early.
func (w *streamWriter) checkLive() {
	if w.live == nil {
		return
	}
	if fi, err := os.Lstat(w.path()); err == nil && os.SameFile(fi, w.live) && fi.Size() >= w.size {
		return
	}
	w.closeOut()
}

func (w *streamWriter) closeOut() {
	w.live = nil
	if err := w.out.Close(); err != nil {
		w.stats.report(fmt.Errorf("close %s: %w", w.path(), err))
	}
}

// rotate rotates the live file unless it is empty. If the output was
// closed (the stream's pipes ended: its service is stopped), the new file
// is closed again once lumberjack has applied MaxBackups, so that a stopped
// service holds no log file open.
//
// A file whose last line is unfinished is moved with it: the process that
// writes it may go on in the new file. If no pipe of the stream is open,
// no process can (its pipe ended, or the line was left by an earlier
// Sink): the line is ended first, in the file it is in, so that the next
// process's output does not continue it in the new file (readers join the
// files, oldest first). The pipes are counted as the drain takes the
// queue's chunks: a pipe counted had its break among them, written first,
// and a pipe made after the take has not written any of them.
func (w *streamWriter) rotate(b *batch) error {
	wasClosed := w.live == nil
	if err := w.ensureLive(); err != nil {
		return err
	}
	if w.size == 0 {
		return nil
	}
	_, pipes := w.drainCounting(b)
	orphaned := pipes == 0
	if w.lost != lostNone && orphaned {
		w.settleLoss()
		w.midLine, w.lost = w.fileEndsMidLine(), lostNone
	}
	if w.midLine && orphaned {
		w.midLine = false
		w.write([]byte{'\n'}, 0, lead{})
	}
	if err := w.ensureLive(); err != nil { // a failed write closed it
		return err
	}
	err := w.rotateLive()
	if wasClosed && w.live != nil {
		w.closeOut()
	}
	return err
}

// rotateLive renames the live file to a free backup name and creates a new
// live file. If the path no longer names the live file, that file has been
// moved away already and the path is reopened instead.
func (w *streamWriter) rotateLive() error {
	if fi, err := os.Lstat(w.path()); err != nil || !os.SameFile(fi, w.live) {
		w.closeOut()
		return w.ensureLive()
	}
	backup, err := w.freeBackupName()
	if err != nil {
		return err
	}
	w.closeOut()
	if err := os.Rename(w.path(), backup); err != nil {
		return fmt.Errorf("rotate: %w", err)
	}
	if err := w.ensureLive(); err != nil {
		return err
	}
	w.removeExpired(time.Now())
	leaveStamp(w.path())
	// Have lumberjack open the new file now rather than at the next write:
	// opening is when it applies MaxBackups and MaxAge.
	live, began := w.live, time.Now()
	if _, err := w.out.Write(nil); err != nil {
		w.putBackLive(live, began)
		w.closeOut()
		return fmt.Errorf("open new log file: %w", err)
	}
	if w.z != nil {
		w.z.kick()
	}
	return nil
}

// endCarriedLine ends, as the Sink closes, a line that a rotation carried
// into the live file (see rotate) and that nothing continued since: the
// live file is still empty. The next Sink on the directory tells an
// unfinished line by the live file's last byte (see prepare), and would
// miss this one, which is in the backup before it: the newline is written
// now, the new file's first byte, as endLine would have.
func (w *streamWriter) endCarriedLine() {
	if !w.midLine {
		return
	}
	if fi, err := os.Lstat(w.path()); err != nil || !fi.Mode().IsRegular() || fi.Size() != 0 {
		return // removed by hand, or continued: the next Sink sees its last byte
	}
	w.midLine = false
	w.write([]byte{'\n'}, 0, lead{})
}

// removeExpired removes the rotated files, compressed or not, stamped more
// than MaxAge before now. lumberjack removes them too, but only once they
// are older than MaxAge rounded up to whole days. Failures are reported.
func (w *streamWriter) removeExpired(now time.Time) {
	if w.maxAge <= 0 {
		return
	}
	naming := newBackupNaming(w.path())
	entries, err := os.ReadDir(w.dir())
	if err != nil {
		w.stats.report(fmt.Errorf("remove old log files: %w", err))
		return
	}
	cutoff := now.Add(-w.maxAge)
	for _, e := range entries {
		stamp, _, ok := naming.parse(e.Name())
		if !ok {
			continue
		}
		if t, err := time.Parse(backupTimeFormat, stamp); err != nil || !t.Before(cutoff) {
			continue
		}
		if err := os.Remove(filepath.Join(w.dir(), e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			w.stats.report(fmt.Errorf("remove old log file: %w", err))
		}
	}
}

// liveSince returns when the live file became live: the stamp of the
// stream's newest backup, which it replaced, or, with none, when the file
// was created, if the file system records it (see birthTime). It reports
// false when neither is known.
func (w *streamWriter) liveSince() (time.Time, bool) {
	if t, ok := w.newestBackup(); ok {
		return t, true
	}
	return birthTime(w.path())
}

// newestBackup returns the stamp of the stream's newest backup, if it has
// one (and its directory can be read).
func (w *streamWriter) newestBackup() (time.Time, bool) {
	naming := newBackupNaming(w.path())
	entries, _ := os.ReadDir(w.dir()) // unreadable: no backup known
	newest := ""
	for _, e := range entries {
		if stamp, _, ok := naming.parse(e.Name()); ok && stamp > newest {
			newest = stamp
		}
	}
	if newest != "" {
		if t, err := time.Parse(backupTimeFormat, newest); err == nil {
			return t, true // the stamps are UTC, as Parse assumes
		}
	}
	return time.Time{}, false
}

// liveEmpty reports whether the live file is empty or missing: a rotation
// would leave it as it is.
func (w *streamWriter) liveEmpty() bool {
	fi, err := os.Lstat(w.path())
	if err != nil {
		return errors.Is(err, fs.ErrNotExist)
	}
	return fi.Size() == 0
}

// leaveStamp returns once no backup of the live file at path is named
// after the current millisecond, as the one a rotation just made is (or
// another one, named after the clock was set back), waiting at most about
// maxNameWait milliseconds: when lumberjack cannot open the new live file,
// it moves it to the backup name of the current millisecond, replacing a
// file of that name, which would be lost.
func leaveStamp(path string) {
	for range maxNameWait {
		name := backupName(path, time.Now())
		if !exists(name) && !exists(name+compressSuffix) {
			return
		}
		time.Sleep(50 * time.Microsecond)
	}
}

// freeBackupName returns the backup name for the current millisecond,
// waiting for the next one while a backup of that name, compressed or not,
// exists: two rotations within one millisecond must not overwrite each other.
// If the stream has a backup stamped at or after the current millisecond
// (made while the clock was ahead, before it was set back), the name is
// that of the millisecond after it: the stamps give the order in which the
// backups are read and removed (MaxBackups), which must be the order they
// were made in.
func (w *streamWriter) freeBackupName() (string, error) {
	floor, hasFloor := w.newestBackup()
	for range maxNameWait {
		t := time.Now()
		if hasFloor && !t.Truncate(time.Millisecond).After(floor) {
			t = floor.Add(time.Millisecond)
		}
		name := backupName(w.path(), t)
		if !exists(name) && !exists(name+compressSuffix) {
			return name, nil
		}
		time.Sleep(time.Millisecond)
	}
	return "", fmt.Errorf("rotate %s: no free backup name", w.path())
}
