package logsink

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"gopkg.in/natefinch/lumberjack.v2"
)

const (
	// compressSuffix is the suffix lumberjack gives compressed backups.
	compressSuffix = ".gz"
	// maxNameWait bounds, in milliseconds, the wait for a free backup name.
	maxNameWait = 2000
)

// streamWriter owns one stream's log file. Its goroutine, run, is the only
// one writing, rotating or closing the file; readers only push to q.
type streamWriter struct {
	st        Stream
	path      string
	dir       string
	maxSize   int64
	every     time.Duration
	out       io.WriteCloser // lumberjack, possibly wrapped by a test
	q         *queue
	stats     *streamStats
	bufs      *sync.Pool
	rotateReq chan chan error
	done      chan struct{} // closed when run returns

	// Owned by run (and by Open before run starts).
	live     os.FileInfo // the live file when last checked; nil while out is closed
	size     int64       // bytes in the live file
	stage    []byte      // small chunks coalesced into one write
	spare    [][]byte    // the queue's other chunk slice
	closeErr error       // result of the final Close, set before done is closed
}

func newStreamWriter(st Stream, o Options, bufs *sync.Pool, wrap wrapFunc) *streamWriter {
	const mib = 1 << 20
	path := filepath.Join(o.Dir, st.String()+".log")
	var out io.WriteCloser = &lumberjack.Logger{
		Filename: path,
		// The writer rotates before a file exceeds o.MaxSize; lumberjack's
		// own rotation, set above it, is only a safety net.
		MaxSize:    int(o.MaxSize/mib) + 2,
		MaxBackups: o.MaxBackups,
		MaxAge:     days(o.MaxAge),
		Compress:   o.Compress,
	}
	if wrap != nil {
		out = wrap(st, out)
	}
	return &streamWriter{
		st:        st,
		path:      path,
		dir:       o.Dir,
		maxSize:   o.MaxSize,
		every:     o.RotateEvery,
		out:       out,
		q:         newQueue(o.QueueBytes, o.MaxBlock),
		stats:     &streamStats{st: st, onError: o.OnError},
		bufs:      bufs,
		rotateReq: make(chan chan error),
		done:      make(chan struct{}),
		stage:     make([]byte, 0, chunkSize),
	}
}

// days converts a retention age to lumberjack's unit, rounding up.
func days(d time.Duration) int {
	const day = 24 * time.Hour
	n := int(d / day)
	if d%day != 0 {
		n++
	}
	return n
}

// run writes queued output, rotates on the timer and on request, until stop
// is closed; then it writes what is left and closes the file. The caller
// closes stop only after every reader has exited, so nothing is pushed after
// the final drain.
func (w *streamWriter) run(stop <-chan struct{}) {
	defer close(w.done)
	var tick <-chan time.Time
	if w.every > 0 {
		t := time.NewTicker(w.every)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-w.q.ready:
			w.drainOnce()
		case <-tick:
			w.drainOnce()
			if err := w.rotate(); err != nil {
				w.stats.report(err)
			}
		case reply := <-w.rotateReq:
			w.drainOnce()
			reply <- w.rotate()
		case <-stop:
			for w.drainOnce() {
			}
			w.live = nil
			w.closeErr = w.out.Close()
			return
		}
	}
}

// requestRotate asks run to rotate and waits for the result.
func (w *streamWriter) requestRotate() error {
	reply := make(chan error, 1)
	select {
	case w.rotateReq <- reply:
		return <-reply
	case <-w.done:
		return ErrClosed
	}
}

// drainOnce writes the chunks queued so far. It reports whether there were
// any.
func (w *streamWriter) drainOnce() bool {
	chunks := w.q.take(w.spare)
	if len(chunks) == 0 {
		w.spare = chunks
		return false
	}
	w.checkLive()
	for _, c := range chunks {
		w.add(c)
	}
	w.flush()
	clear(chunks)
	w.spare = chunks[:0]
	return true
}

// add writes c, directly if it is large, else through the stage buffer, and
// recycles c's buffer if it came from the pool.
func (w *streamWriter) add(c []byte) {
	if len(c) >= chunkSize/2 {
		w.flush()
		w.write(c)
	} else {
		if len(w.stage)+len(c) > chunkSize {
			w.flush()
		}
		w.stage = append(w.stage, c...)
	}
	if cap(c) == chunkSize {
		b := c[:chunkSize]
		w.bufs.Put(&b)
	}
}

func (w *streamWriter) flush() {
	if len(w.stage) > 0 {
		w.write(w.stage)
		w.stage = w.stage[:0]
	}
}

// write writes p (at most chunkSize bytes) to the live file, rotating first
// if p would take the file past maxSize. On failure p is dropped and the file
// is closed, so that the next write starts again from the path. Either way p
// is then released from the queue's bound: every queued byte passes through
// write exactly once, so room is freed as soon as each write returns.
func (w *streamWriter) write(p []byte) {
	defer w.q.release(len(p))
	if err := w.ensureLive(); err != nil {
		w.drop(len(p), err)
		return
	}
	if w.size > 0 && w.size+int64(len(p)) > w.maxSize {
		if err := w.rotateLive(); err != nil {
			w.stats.report(err)
			// Keep writing to whatever file the path names.
			if err := w.ensureLive(); err != nil {
				w.drop(len(p), err)
				return
			}
		}
	}
	n, err := w.out.Write(p)
	w.size += int64(n)
	w.stats.written.Add(uint64(n))
	if err != nil {
		w.drop(len(p)-n, err)
		w.closeOut()
	}
}

func (w *streamWriter) drop(n int, err error) {
	w.stats.dropped.Add(uint64(n))
	w.stats.report(err)
}

// ensureLive makes sure the live file exists as a regular file (creating the
// directory too if needed) unless it is known already. lumberjack opens it,
// appending, on its next write.
func (w *streamWriter) ensureLive() error {
	if w.live != nil {
		return nil
	}
	if err := ensureDir(w.dir); err != nil {
		return err
	}
	fi, unsafe, err := ensureFile(w.path)
	if unsafe != nil {
		w.stats.report(unsafe)
	}
	if err != nil {
		return err
	}
	w.live, w.size = fi, fi.Size()
	return nil
}

// checkLive closes the output if the path no longer names the live file
// (removed, renamed, replaced, or its directory is gone), so that the next
// write reopens the path instead of writing into a file nobody sees.
func (w *streamWriter) checkLive() {
	if w.live == nil {
		return
	}
	if fi, err := os.Lstat(w.path); err == nil && os.SameFile(fi, w.live) {
		return
	}
	w.closeOut()
}

func (w *streamWriter) closeOut() {
	w.live = nil
	if err := w.out.Close(); err != nil {
		w.stats.report(fmt.Errorf("close %s: %w", w.path, err))
	}
}

// rotate rotates the live file unless it is empty.
func (w *streamWriter) rotate() error {
	if err := w.ensureLive(); err != nil {
		return err
	}
	if w.size == 0 {
		return nil
	}
	return w.rotateLive()
}

// rotateLive renames the live file to a free backup name and creates a new
// live file. If the path no longer names the live file, that file has been
// moved away already and the path is reopened instead.
func (w *streamWriter) rotateLive() error {
	if fi, err := os.Lstat(w.path); err != nil || !os.SameFile(fi, w.live) {
		w.closeOut()
		return w.ensureLive()
	}
	backup, err := w.freeBackupName()
	if err != nil {
		return err
	}
	w.closeOut()
	if err := os.Rename(w.path, backup); err != nil {
		return fmt.Errorf("rotate: %w", err)
	}
	if err := w.ensureLive(); err != nil {
		return err
	}
	// Have lumberjack open the new file now rather than at the next write:
	// opening is when it applies MaxBackups, MaxAge and Compress.
	if _, err := w.out.Write(nil); err != nil {
		w.closeOut()
		return fmt.Errorf("open new log file: %w", err)
	}
	return nil
}

// freeBackupName returns the backup name for the current millisecond,
// waiting for the next one while a backup of that name, compressed or not,
// exists: two rotations within one millisecond must not overwrite each other.
func (w *streamWriter) freeBackupName() (string, error) {
	for range maxNameWait {
		name := backupName(w.path, time.Now())
		if !exists(name) && !exists(name+compressSuffix) {
			return name, nil
		}
		time.Sleep(time.Millisecond)
	}
	return "", fmt.Errorf("rotate %s: no free backup name", w.path)
}
