package logsink

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

const (
	// DefaultMaxSize is the rotation size used when Options.MaxSize is 0.
	DefaultMaxSize = 50 << 20
	// DefaultQueueBytes is the queue bound used when Options.QueueBytes is 0.
	DefaultQueueBytes = 4 << 20
	// maxQueueBytes is the largest Options.QueueBytes: a queue's bound is
	// kept in 32 bits.
	maxQueueBytes = 1 << 30
	// DefaultMaxBlock is the longest wait for queue room used when
	// Options.MaxBlock is 0.
	DefaultMaxBlock = time.Second

	// chunkSize is the size of a pipe read and the largest single write to
	// lumberjack. It is also the smallest queue bound.
	chunkSize = 64 << 10
	// errorInterval is the minimum time between two OnError calls of a stream.
	errorInterval = time.Second
	// closeDrainTimeout is how long Close lets readers drain the pipes (and
	// wait for queue room) before it stops them.
	closeDrainTimeout = 100 * time.Millisecond

	dirPerm  os.FileMode = 0o750
	filePerm os.FileMode = 0o640
)

// chunkPool holds the chunkSize buffers (as *[]byte) that pipe reads go into
// and that the writers coalesce small chunks in. It is shared by all Sinks:
// a buffer is taken only while data is on its way to a file, so idle Sinks
// hold none, and busy ones reuse those that others let go.
var chunkPool = sync.Pool{New: func() any {
	b := make([]byte, chunkSize)
	return &b
}}

// putChunk gives the buffer of b, a chunk with capacity chunkSize taken from
// chunkPool, back to it.
func putChunk(b []byte) {
	b = b[:chunkSize]
	chunkPool.Put(&b)
}

// chunkOf turns the first n bytes read into buf, a buffer from chunkPool,
// into a chunk to queue. A short read is copied, so that a queued chunk never
// pins much more memory than it holds, and buf goes back to the pool at
// once; a long one is buf itself, which the writer puts back once it is
// written.
func chunkOf(buf *[]byte, n int) []byte {
	if n < chunkSize/2 {
		chunk := make([]byte, n)
		copy(chunk, *buf)
		chunkPool.Put(buf)
		return chunk
	}
	return (*buf)[:n]
}

// recycle gives the buffer of a chunk that is dropped back to the pool if
// it came from there.
func recycle(chunk []byte) {
	if cap(chunk) == chunkSize {
		putChunk(chunk)
	}
}

var (
	// ErrClosed is returned by Pipes and Rotate after Close.
	ErrClosed = errors.New("logsink: sink is closed")
	// ErrQueueFull is reported through Options.OnError when output is dropped
	// because the stream's queue stayed full (Options.QueueBytes bytes not yet
	// written) for Options.MaxBlock, or because the writer has not finished a
	// write since such a drop.
	ErrQueueFull = errors.New("logsink: queue full, output dropped")
	// ErrBudgetFull is reported through Options.OnError when output is
	// dropped because the Options.Budget shared with other Sinks is spent:
	// their queues together hold as much unwritten output as it allows.
	ErrBudgetFull = errors.New("logsink: the log memory budget shared by all streams is spent, output dropped")
	// ErrUnsafeFile is reported through Options.OnError when a symlink or other
	// non-regular file was found at a log file's path and removed.
	ErrUnsafeFile = errors.New("logsink: log path is not a regular file")
	// ErrPollerClosed is returned by Pipes when the Sink's Options.Poller is
	// closed (or has failed).
	ErrPollerClosed = errors.New("logsink: poller is closed")
	// ErrDirInUse is wrapped by the error of Open when another process
	// (another superd, or a program embedding the supervisor, with the same
	// log dir and a service of the same name) holds the lock of the
	// service's log directory: two writers of one file interleave their
	// output and rotate it under each other.
	ErrDirInUse = errors.New("in use by another supervisor: both would write and rotate the same log files")
)

// Stream identifies one of a service's two output streams.
type Stream int

// The two streams; each has its own file, queue and writer.
const (
	Stdout Stream = iota
	Stderr
)

// String returns "stdout" or "stderr"; the log file of a stream is named
// after it with the suffix ".log".
func (s Stream) String() string {
	switch s {
	case Stdout:
		return "stdout"
	case Stderr:
		return "stderr"
	default:
		return "Stream(" + strconv.Itoa(int(s)) + ")"
	}
}

func (s Stream) valid() bool { return s == Stdout || s == Stderr }

// Options configures a Sink.
type Options struct {
	// Dir is the service's own log directory, <log-dir>/<service>. It is
	// created with mode 0750 (regardless of the umask) if missing, and so
	// are its missing parents.
	Dir string
	// MaxSize is the size in bytes at which a log file is rotated; 0 means
	// DefaultMaxSize. Any positive size works; configurations use whole MiB.
	MaxSize int64
	// MaxBackups is how many rotated files of each stream are kept; 0 keeps
	// all of them (MaxAge may still remove them).
	MaxBackups int
	// MaxAge removes rotated files older than this (by the time in their
	// names, when they were rotated), at Open and at each rotation; 0 keeps
	// them forever.
	MaxAge time.Duration
	// Compress gzips rotated files, in the background, one at a time: a
	// file is replaced by its compressed copy once that is complete. Close
	// interrupts a compression under way; the next Sink opened on Dir does
	// it again.
	Compress bool
	// RotateEvery rotates both files on a timer owned by the Sink; 0 disables
	// time-based rotation. The first rotation comes when the older non-empty
	// live file has been live this long (since its stream's last rotation,
	// or since it was created), counting the time before Open.
	RotateEvery time.Duration
	// Timestamps starts each line written to both files with the time it
	// was read from its pipe, in UTC to the millisecond, and a space:
	// "2006-01-02T15:04:05.000Z ". The time is taken by the reader and
	// queued with the output, so a slow disk does not delay it (small
	// reads are merged in the queue only within one millisecond, until a
	// thousand are queued behind a hung disk: later lines may then get an
	// earlier line's stamp); a line written in several pieces gets one
	// stamp, at its first piece, and the rest of a line whose start a
	// failed write lost gets one too (on the line the file ends with: if
	// that is a line written in part before the failure, the stamp
	// follows it there). QueueBytes and the counts of output
	// dropped on the way to the file (Stats) are of the output without
	// the stamps; a write that fails counts the stamps it loses too.
	Timestamps bool
	// QueueBytes bounds, per stream, the bytes read from the pipes but not yet
	// written to the file. When the queue is full, reading waits for room (see
	// MaxBlock). 0 means DefaultQueueBytes; smaller values than 64 KiB are
	// raised to it, larger ones than 1 GiB lowered to it. Pipes queues what
	// the earlier pipes hold past it (at most about 1 MiB each), so that it
	// comes before the next process's output.
	QueueBytes int
	// MaxBlock bounds how long a pipe reader waits for room in a full queue
	// before it drops the output it holds and counts it; 0 means
	// DefaultMaxBlock. While the reader waits, the pipe fills and the child's
	// writes block, exactly as when it writes to a slow file: a child that
	// writes faster than the disk is slowed down, and loses nothing as long
	// as the disk keeps up on average. Once output was dropped this way, all
	// output of the stream is dropped at once, without waiting, until the
	// writer has finished a write again: a hung disk blocks the child for
	// about MaxBlock once, not once per write.
	MaxBlock time.Duration
	// Budget, if not nil, bounds the unwritten output of every Sink sharing
	// it, together (see [Budget]). Nil: each stream is bounded by QueueBytes
	// alone.
	Budget *Budget
	// OnError, if not nil, is called when a write, open or rotation fails or
	// output is dropped, at most once per second per stream; further errors in
	// that second are only recorded in Stats. It is called from Open (see
	// there), from the Sink's goroutines, or the Poller's, possibly
	// concurrently, and must not block:
	// with a Poller, that would hold up the pipes of every Sink using it.
	// Not every error drops output (a rotation or a compression that
	// failed, an unsafe file removed): such an error is followed by no
	// OnResume call. Whether output was dropped since the last OnResume
	// call is in Stats (BytesDropped against its TotalDropped).
	OnError func(Stream, error)
	// OnResume, if not nil, is called when a stream's output is written
	// again after some of it was dropped, with what was dropped in between
	// (see Resumption). It shares OnError's limit per stream: at most one
	// OnResume and one OnError call a second (an OnResume call and an
	// OnError call for an error after the resumption may come together);
	// a resumption within a second of the last call is told by
	// a call a second after that one, or by Close, unless output is
	// dropped again before (the episode then goes on). Its call stands for
	// OnError's trailing call: the errors and drops that came before the
	// resumption are not passed to OnError any more. It is called as
	// OnError is, and must not block either.
	OnResume func(Stream, Resumption)
	// Poller, if not nil, reads the pipes made by Pipes, together with those
	// of every other Sink using it, instead of a goroutine per pipe. The
	// behaviour described here is the same either way. It must come from
	// NewPoller and stay open while the Sink needs new pipes; see
	// Poller.Close.
	Poller *Poller
	// OpenWait, if positive, bounds how long Open waits for Dir and the log
	// files to be prepared (and for After to close). When it passes, Open
	// returns the Sink anyway and the preparation goes on in the
	// background: Pipes works at once, output is queued meanwhile (and,
	// once the queue is full, dropped and counted as behind a hung disk,
	// see MaxBlock), and the writers start once the preparation is over
	// (see Sink.Ready). An error it then meets, which would have made Open
	// fail, is reported through OnError instead, and the writes try again
	// (and check the directory again) as after any failure. 0 waits as
	// long as it takes.
	OpenWait time.Duration
	// After, if not nil, is a Sink on the same Dir whose Close has been or
	// will be called: this Sink touches no file before that Close has
	// returned, so that two Sinks never write the same files. Open waits
	// for it as for the preparation (see OpenWait).
	After *Sink
	// Preparers, if not nil, bounds how many of the Sinks sharing it
	// prepare their directory and files at the same time (see
	// [Preparers]). Nil: no bound.
	Preparers *Preparers
	// Compressors, if not nil, bounds how many rotated files the Sinks
	// sharing it compress at the same time (see [Compressors]). Nil: each
	// stream compresses its own one at a time, whatever the others do.
	Compressors *Compressors
}

// Preparers bounds how many Opens prepare their directory and files at the
// same time: each of those system calls may hold an OS thread, and a
// thousand services opened at once would otherwise leave superd with many
// threads (the runtime keeps them), or, behind a hung disk, with one
// thread stuck for each. With Options.OpenWait, an Open that waits for a
// free place returns in time all the same. A Preparers is safe for
// concurrent use; share one through Options.Preparers.
type Preparers struct{ slots chan struct{} }

// NewPreparers returns a Preparers that lets n Opens (at least one) prepare
// at the same time.
func NewPreparers(n int) *Preparers {
	return &Preparers{slots: make(chan struct{}, max(n, 1))}
}

// enter waits for a free place, if p is not nil; leave frees it.
func (p *Preparers) enter() {
	if p != nil {
		p.slots <- struct{}{}
	}
}

func (p *Preparers) leave() {
	if p != nil {
		<-p.slots
	}
}

// Compressors bounds how many rotated files are compressed at the same
// time (Options.Compress): each compression holds a gzip writer, about
// 800 KiB, and keeps a CPU busy while it runs, and many may be due at once:
// the RotateEvery timers of services started together fire together, and
// every Sink opened finishes what an earlier one left uncompressed. Three
// hundred services rotating together took superd's memory from 83 to
// 257 MiB for good. A stream waiting for a place keeps its rotated file
// plain meanwhile. A Compressors is safe for concurrent use; share one
// through Options.Compressors.
type Compressors struct{ slots chan struct{} }

// NewCompressors returns a Compressors that lets n compressions (at least
// one) run at the same time.
func NewCompressors(n int) *Compressors {
	return &Compressors{slots: make(chan struct{}, max(n, 1))}
}

// enter waits for a free place, if c is not nil, unless stop is closed
// first; it reports whether it got one, which leave frees.
func (c *Compressors) enter(stop <-chan struct{}) bool {
	if c == nil {
		return true
	}
	select {
	case c.slots <- struct{}{}:
		return true
	case <-stop:
		return false
	}
}

func (c *Compressors) leave() {
	if c != nil {
		<-c.slots
	}
}

// Stats reports what a Sink did with each stream's output.
type Stats struct {
	Stdout StreamStats `json:"stdout"`
	Stderr StreamStats `json:"stderr"`
}

// Stream returns the statistics of st (zero for an invalid Stream).
func (s Stats) Stream(st Stream) StreamStats {
	switch st {
	case Stdout:
		return s.Stdout
	case Stderr:
		return s.Stderr
	default:
		return StreamStats{}
	}
}

// StreamStats reports what a Sink did with one stream's output since Open.
type StreamStats struct {
	// BytesWritten counts the bytes written to the log files.
	BytesWritten uint64 `json:"bytes_written"`
	// BytesDropped counts the bytes read from the pipes but never written,
	// because the queue stayed full (see Options.MaxBlock) or a write or
	// open failed (a failed write counts the stamps of Options.Timestamps
	// it loses too, and the newlines added to end a line: see Pipes).
	BytesDropped uint64 `json:"bytes_dropped"`
	// LastError is the text of the stream's most recent error, if any.
	LastError string `json:"last_error,omitempty"`
	// LastErrorTime is when LastError happened.
	LastErrorTime time.Time `json:"last_error_time,omitzero"`
}

// Resumption tells that a stream's output is written again after some of
// it was dropped (see Options.OnResume).
type Resumption struct {
	// Dropped counts the bytes dropped since the previous resumption told
	// (or Open): the bytes missing from the log file between the output
	// written before them and after.
	Dropped uint64
	// TotalDropped counts the bytes dropped since Open: BytesDropped in
	// Stats, when the stream resumed.
	TotalDropped uint64
	// Err is the last error that dropped output: a write's or an open's,
	// ErrQueueFull or ErrBudgetFull. With one of the last two, writes may
	// never have failed: the output was dropped before it reached the
	// file (the writer fell behind), and it is written again.
	Err error
}

// Sink writes one service's stdout and stderr to rotated log files. It is
// safe for concurrent use. Open creates it; Close releases it.
//
// An idle Sink costs no goroutine but its pipe readers, which wait in the
// runtime's netpoller without a buffer, and none at all with a Poller: a
// stream's writer goroutine runs only while there is output to write or a
// rotation to do, and the RotateEvery timer is a runtime timer.
type Sink struct {
	streams [2]*streamWriter
	every   time.Duration // Options.RotateEvery
	// giveUp is closed by Close when reader goroutines must stop waiting
	// for room. Pipes makes it before it starts the first (none with a
	// Poller); they read it without the lock.
	giveUp chan struct{}
	poller *Poller // Options.Poller

	mu      sync.Mutex
	closed  bool
	timer   *time.Timer    // the RotateEvery timer; nil without one
	readers []reader       // read ends being drained (two per child, a few at most)
	reading sync.WaitGroup // one count per entry of readers

	closeOnce sync.Once
	closeErr  error
	// Under mu: whether the files are prepared and the writers may run
	// (see Options.OpenWait), and whether Close has returned (see
	// Options.After); ready and closeDone, made only for whoever waits
	// before that (see Ready and closeSignal), are closed then.
	released, closeFinished bool
	ready, closeDone        chan struct{}

	// lock is the flock of the log directory, shared with the writers
	// (see dirLock): taken by prepare, made sure of by each writer before
	// it opens its file, released once Close has closed the files.
	lock *dirLock
}

// closedChan is a closed channel: what Ready and closeSignal return once
// their event has happened, so that a Sink nobody waited for makes none.
// It is never written to.
var closedChan = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// wrapFunc wraps a stream's lumberjack logger. It is the test seam for
// blocking or failing writes; production code passes nil.
type wrapFunc func(Stream, io.WriteCloser) io.WriteCloser

// Open prepares opts.Dir and both log files, without opening them for
// writing yet, and starts the RotateEvery timer. A symlink or other
// non-regular file at a log path is replaced by a regular file and reported
// through opts.OnError.
//
// A directory or file that cannot be created for lack of a resource (a
// full disk or quota, no free file descriptor, a file system read-only for
// now: see shortOfResource) does not make Open fail: the failure is reported through opts.OnError, output
// is dropped and counted until the files can be created, and each write
// tries again, checking the directory as Open does first. Open fails for
// the other errors, a directory that other users could change among them,
// and a directory whose lock another supervisor holds (ErrDirInUse): a
// Sink holds a flock on opts.Dir until its Close has closed the files.
// Its writers make sure of the lock again before they open a file (the
// directory made again; a refusal after OpenWait, then only reported
// through opts.OnError), and drop and count the output while another
// process holds it.
//
// With opts.OpenWait, Open returns within about that time even if the disk
// hangs; with opts.After, it waits for that Sink to close first.
func Open(opts Options) (*Sink, error) {
	return open(opts, nil)
}

func open(opts Options, wrap wrapFunc) (*Sink, error) {
	cfg, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Sink{
		every:  cfg.RotateEvery,
		poller: cfg.Poller,
		lock:   &dirLock{dir: cfg.Dir},
	}
	cb := &callbacks{onError: cfg.OnError, onResume: cfg.OnResume, lock: s.lock}
	for _, st := range []Stream{Stdout, Stderr} {
		s.streams[st] = newStreamWriter(st, cfg, cb, wrap)
	}
	if cfg.OpenWait <= 0 && cfg.After == nil {
		cfg.Preparers.enter()
		err := s.prepare(cfg.Dir)
		cfg.Preparers.leave()
		if err != nil {
			return nil, err
		}
		s.start()
		s.released = true // no writer was held
		return s, nil
	}

	// The writers are held (as if running) until the preparation is over:
	// what is pushed meanwhile waits in the queues.
	for _, w := range s.streams {
		w.running = true
	}
	const (
		waiting = iota
		openGaveUp
		prepared
	)
	var (
		state   atomic.Int32
		prepErr error
		done    = make(chan struct{})
	)
	go func() { // owned by the Sink: Close waits for ready
		if cfg.After != nil {
			<-cfg.After.closeSignal()
		}
		cfg.Preparers.enter()
		err := s.prepare(cfg.Dir)
		cfg.Preparers.leave()
		if state.CompareAndSwap(waiting, prepared) {
			prepErr = err // Open decides
			close(done)
			return
		}
		// Open has returned the Sink: it goes on, and says why it fails.
		if err != nil {
			for _, w := range s.streams {
				w.stats.report(err)
			}
		}
		s.start()
		s.release()
	}()
	var timeout <-chan time.Time
	if cfg.OpenWait > 0 {
		t := time.NewTimer(cfg.OpenWait)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-done:
	case <-timeout:
		if state.CompareAndSwap(waiting, openGaveUp) {
			return s, nil
		}
		<-done // prepared just now
	}
	if prepErr != nil {
		return nil, prepErr
	}
	s.start()
	s.release()
	return s, nil
}

// prepare creates dir and the live files if needed, checks them, locks
// dir, and removes the backups older than MaxAge. A failure for lack of a
// resource is only reported: the first write tries again.
func (s *Sink) prepare(dir string) (err error) {
	dirErr := ensureDir(dir)
	if dirErr != nil && !shortOfResource(dirErr) {
		return fmt.Errorf("logsink: %w", dirErr)
	}
	if dirErr == nil {
		if err := s.lock.take(true); err != nil {
			// After OpenWait, only reported: the writers try the lock
			// again before they write, and drop the output meanwhile.
			return fmt.Errorf("logsink: %w", err)
		}
		defer func() {
			if err != nil {
				s.lock.drop() // Open fails: nobody closes this Sink
			}
		}()
	}
	for _, w := range s.streams {
		err := dirErr
		if err == nil {
			err = w.prepare()
		}
		switch {
		case err == nil:
			w.removeExpired(time.Now())
		case shortOfResource(err):
			w.stats.report(err) // the first write tries again
		default:
			return fmt.Errorf("logsink: %w", err)
		}
	}
	return nil
}

// start has the compressors compress what an earlier Sink left, and starts
// the RotateEvery timer, unless Close came first.
func (s *Sink) start() {
	var first time.Duration
	if s.every > 0 {
		first = s.firstTick(time.Now()) // reads the dir: not under s.mu, which Pipes takes
	}
	s.mu.Lock() // tick may run before AfterFunc returns
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	for _, w := range s.streams {
		if w.z != nil {
			w.z.kick() // what an earlier Sink left uncompressed
		}
	}
	if s.every > 0 {
		s.timer = time.AfterFunc(first, s.tick)
	}
}

// release lets the writers held while the Sink was prepared run, and
// closes ready.
func (s *Sink) release() {
	for _, w := range s.streams {
		w.mu.Lock()
		w.running = false
		w.startLocked() // for what was queued or asked for meanwhile
		w.mu.Unlock()
	}
	s.mu.Lock()
	s.released = true
	if s.ready != nil {
		close(s.ready)
	}
	s.mu.Unlock()
}

// Ready returns a channel that is closed once the Sink's directory and
// files are prepared and its writers run: at once unless Options.OpenWait
// passed before.
func (s *Sink) Ready() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return signal(&s.ready, s.released)
}

// closeSignal returns a channel that is closed once Close has returned.
func (s *Sink) closeSignal() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return signal(&s.closeDone, s.closeFinished)
}

// signal returns the channel *ch for an event (closedChan if it happened
// already), making it if needed. The Sink's mu must be held.
func signal(ch *chan struct{}, happened bool) <-chan struct{} {
	switch {
	case happened:
		return closedChan
	case *ch == nil:
		*ch = make(chan struct{})
	}
	return *ch
}

// firstTick returns how long after now the RotateEvery timer fires first:
// when the older of the two live files has been live for RotateEvery, at
// once if it has already. A live file became live when its stream was last
// rotated or, never rotated, when it was created (see liveSince). So a Sink
// opened again, because superd restarted or a reload re-created the
// service, keeps the schedule of the files it finds instead of starting a
// new period, and files still rotate when superd runs for less than
// RotateEvery at a time. An empty live file does not count: it is not
// rotated, so its age never resets and would otherwise have the other
// stream rotated at each Open, in the middle of its period.
func (s *Sink) firstTick(now time.Time) time.Duration {
	first := s.every
	for _, w := range s.streams {
		if w.liveEmpty() {
			continue
		}
		if since, ok := w.liveSince(); ok {
			first = min(first, max(0, since.Add(s.every).Sub(now)))
		}
	}
	return first
}

// tick is the RotateEvery timer's function: it has both streams rotated and
// sets the timer again, unless the Sink is closed. Holding s.mu throughout
// means that once Close has set closed, no tick does anything any more.
func (s *Sink) tick() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	for _, w := range s.streams {
		w.rotateSoon()
	}
	s.timer.Reset(s.every)
}

// shortOfResource reports whether err, an error of creating or writing a
// log file or directory, says that a resource ran out rather than that the
// path cannot be used: no space or inode left on the file system (ENOSPC),
// the quota reached (EDQUOT), no free file descriptor (EMFILE, ENFILE), no
// kernel memory (ENOMEM), or the file system is read-only for now (EROFS:
// ext4 remounts itself so after an error, an operator for a maintenance).
// Such a failure goes away once the resource is back.
func shortOfResource(err error) bool {
	for _, e := range [...]syscall.Errno{syscall.ENOSPC, syscall.EDQUOT, syscall.EMFILE, syscall.ENFILE, syscall.ENOMEM, syscall.EROFS} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// withDefaults validates o and fills in the defaults.
func (o Options) withDefaults() (Options, error) {
	switch {
	case o.Dir == "":
		return o, errors.New("logsink: Options.Dir is empty")
	case o.MaxSize < 0:
		return o, fmt.Errorf("logsink: Options.MaxSize is negative (%d)", o.MaxSize)
	case o.MaxBackups < 0:
		return o, fmt.Errorf("logsink: Options.MaxBackups is negative (%d)", o.MaxBackups)
	case o.MaxAge < 0:
		return o, fmt.Errorf("logsink: Options.MaxAge is negative (%s)", o.MaxAge)
	case o.RotateEvery < 0:
		return o, fmt.Errorf("logsink: Options.RotateEvery is negative (%s)", o.RotateEvery)
	case o.QueueBytes < 0:
		return o, fmt.Errorf("logsink: Options.QueueBytes is negative (%d)", o.QueueBytes)
	case o.MaxBlock < 0:
		return o, fmt.Errorf("logsink: Options.MaxBlock is negative (%s)", o.MaxBlock)
	}
	if o.MaxSize == 0 {
		o.MaxSize = DefaultMaxSize
	}
	if o.QueueBytes == 0 {
		o.QueueBytes = DefaultQueueBytes
	}
	o.QueueBytes = min(max(o.QueueBytes, chunkSize), maxQueueBytes)
	if o.MaxBlock == 0 {
		o.MaxBlock = DefaultMaxBlock
	}
	return o, nil
}

// reader is a pipe read end being drained into a stream: by its own
// goroutine (fileReader), or by a Poller (polledPipe, which calls
// Sink.readerDone when it stops).
type reader interface {
	// stopAt has the reader stop at deadline, at EOF or not, and give up
	// waiting for queue room then; output it holds then is dropped.
	stopAt(deadline time.Time)
	// catchUp queues what the reader holds and what its pipe holds now,
	// before the pipes of the service's next process are made (see
	// polledPipe.catchUp).
	catchUp()
}

// fileReader is a read end drained by its own goroutine, Sink.read, into
// the queue of w.
type fileReader struct {
	f *os.File
	p *pipeReader
	w *streamWriter
}

func (r fileReader) catchUp() { r.p.catchUp(r.w) }

func (r fileReader) stopAt(deadline time.Time) {
	if err := r.f.SetReadDeadline(deadline); err != nil {
		_ = r.f.Close() // no deadline support on this platform: stop now
	}
	// A wait for room ends when Close closes giveUp at the same deadline.
}

// forget removes r from the readers. s.mu must be held.
func (s *Sink) forget(r reader) {
	s.readers = slices.DeleteFunc(s.readers, func(x reader) bool { return x == r })
}

// readerDone forgets r, a Poller's pipe that has stopped and closed its
// read end.
func (s *Sink) readerDone(r reader) {
	s.mu.Lock()
	s.forget(r)
	s.mu.Unlock()
	s.reading.Done()
}

// Pipes creates a pair of pipes for one child process and starts draining
// their read ends. It returns the write ends, which the caller passes to the
// child as its stdout and stderr and closes in the parent right after the
// start: the Sink sees EOF only once every copy of a write end is closed.
// What the pipes made before still hold (the output of the previous
// process, which a slow disk left in its pipe) is queued first, past the
// queue's bound if need be (at most about 1 MiB per pipe), so that it comes
// before the next process's output in the file; if it ends in the middle of
// a line, a newline ends it, so that the new pipes' output starts on a line
// of its own.
//
// With a Poller, the Poller reads the read ends, and Pipes fails with
// ErrPollerClosed once it is closed. Its write ends are in blocking mode
// and outside the runtime's netpoller (they are made for a child), so a
// write to one in this process may block its thread while the pipe is full.
func (s *Sink) Pipes() (stdout, stderr *os.File, err error) {
	// What the previous process left in its pipes comes first: queued now,
	// before the next process exists.
	s.mu.Lock()
	older := slices.Clone(s.readers)
	s.mu.Unlock()
	for _, r := range older {
		r.catchUp()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, nil, ErrClosed
	}
	for _, w := range s.streams {
		w.queue.openPipe()
	}
	defer func() {
		if err != nil {
			for _, w := range s.streams {
				w.queue.pipeClosed()
			}
		}
	}()
	if s.poller != nil {
		return s.poller.newPipes(s)
	}
	var r, w [2]*os.File
	for i := range r {
		if r[i], w[i], err = os.Pipe(); err != nil {
			for j := range i {
				_ = r[j].Close()
				_ = w[j].Close()
			}
			return nil, nil, fmt.Errorf("logsink: %s pipe: %w", Stream(i), err)
		}
	}
	if s.giveUp == nil { // before the readers start: they read it unlocked
		s.giveUp = make(chan struct{})
	}
	for i, f := range r {
		fr := fileReader{f: f, p: newPipeReader(f), w: s.streams[i]}
		s.readers = append(s.readers, fr)
		s.reading.Go(func() { s.read(fr) })
	}
	return w[Stdout], w[Stderr], nil
}

// read drains r's pipe into its stream's queue until EOF or Close.
func (s *Sink) read(r fileReader) {
	f, p, w := r.f, r.p, r.w
	defer func() {
		p.end() // no catchUp queues anything any more: Close may stop the writers
		s.mu.Lock()
		s.forget(r)
		s.mu.Unlock()
		_ = f.Close()
		w.pipeEnded()
	}()
	for {
		buf, n, err := p.read()
		if n > 0 {
			s.hand(w, buf, n, p.hurryChan())
			p.handedOff()
		}
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, os.ErrDeadlineExceeded) && !errors.Is(err, os.ErrClosed) {
				w.stats.report(fmt.Errorf("read %s pipe: %w", w.st(), err))
			}
			return
		}
	}
}

// catchUpMax is the most output a catchUp reads from one pipe: what a
// busy pipe holds (see busyPipeSize), and a chunk. An escaped grandchild
// may go on writing: that output is the next process's contemporary, and
// waits its turn as usual.
const catchUpMax = 1<<20 + chunkSize

// queueOver queues chunk, read at at, for w past the queue's bound (see
// queue.pushOver), or drops and counts it.
func queueOver(w *streamWriter, chunk []byte, at int64) {
	switch w.offerOver(chunk, at) {
	case pushStalled:
		recycle(chunk)
		w.drop(len(chunk), ErrQueueFull)
	case pushOverBudget:
		recycle(chunk)
		w.drop(len(chunk), ErrBudgetFull)
	}
}

// hand queues the first n bytes of buf, a buffer from chunkPool (see
// chunkOf), for w, waiting for room if the queue is full, unless hurry is
// closed.
func (s *Sink) hand(w *streamWriter, buf *[]byte, n int, hurry <-chan struct{}) {
	chunk := chunkOf(buf, n)
	switch w.push(chunk, w.readAt(), s.giveUp, hurry) {
	case pushed:
	case pushOverBudget:
		recycle(chunk)
		w.drop(n, ErrBudgetFull)
	default:
		recycle(chunk)
		w.drop(n, ErrQueueFull)
	}
}

// Rotate rotates both log files now, after writing what is already queued
// (output still in the pipes may land in either file). An empty file is not
// rotated.
func (s *Sink) Rotate() error {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return ErrClosed
	}
	var errs []error
	for _, w := range s.streams {
		if err := w.requestRotate(); err != nil {
			errs = append(errs, fmt.Errorf("logsink: rotate %s: %w", w.st(), err))
		}
	}
	return errors.Join(errs...)
}

// Stats returns the counters and last errors of both streams.
func (s *Sink) Stats() Stats {
	return Stats{Stdout: s.streams[Stdout].stats.snapshot(), Stderr: s.streams[Stderr].stats.snapshot()}
}

// DroppedBytes returns the bytes of output the Sink dropped since it was
// opened, both streams together: the sum of Stats' BytesDropped, read
// without a lock (a status of a thousand services reads a thousand).
func (s *Sink) DroppedBytes() uint64 {
	return s.streams[Stdout].stats.dropped.Load() + s.streams[Stderr].stats.dropped.Load()
}

// Path returns the path of the live log file of st ("" for an invalid
// Stream).
func (s *Sink) Path(st Stream) string {
	if !st.valid() {
		return ""
	}
	return s.streams[st].path()
}

// Close stops the Sink: the timer is stopped, what the pipes hold is
// queued (past the queue's bound, as by Pipes), readers drain their pipes
// until EOF, for at most 100ms (a grandchild still holding a write end then
// gets EPIPE/SIGPIPE on its next write; output that finds no queue room by
// then is dropped), queued output is written and the files are closed. It
// returns after all of the Sink's goroutines have exited, so a write to the
// file that hangs (a stalled disk) holds Close up until it returns, and so
// does a preparation still under way (see Options.OpenWait), Options.After's
// Close included. Close is idempotent; later calls return the first call's
// result.
func (s *Sink) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		if s.timer != nil {
			s.timer.Stop()
		}
		readers := slices.Clone(s.readers)
		s.mu.Unlock()
		// What the pipes hold now is the processes' last output: queued
		// whole, as at a restart, and written with the rest.
		for _, r := range readers {
			r.catchUp()
		}
		s.mu.Lock()
		deadline := time.Now().Add(closeDrainTimeout)
		for _, r := range s.readers {
			r.stopAt(deadline)
		}
		room := s.giveUp // nil if no reader goroutine ever ran
		s.mu.Unlock()
		var giveUp *time.Timer
		if room != nil {
			// Readers waiting for queue room stop waiting at the same deadline.
			giveUp = time.AfterFunc(time.Until(deadline), func() { close(room) })
		}
		s.reading.Wait()
		if giveUp != nil {
			giveUp.Stop()
		}
		<-s.Ready() // the writers are held while the Sink is prepared

		// No reader is left to push: the writers finish and close the files.
		for _, w := range s.streams {
			w.stop()
		}
		var errs []error
		for _, w := range s.streams {
			if err := w.wait(); err != nil {
				errs = append(errs, fmt.Errorf("logsink: close %s: %w", filepath.Base(w.path()), err))
			}
			if w.z != nil {
				w.z.close() // what it leaves is compressed by the next Sink
			}
		}
		s.closeErr = errors.Join(errs...)
		s.lock.release() // after the files and the compressions
		s.mu.Lock()
		s.closeFinished = true
		if s.closeDone != nil {
			close(s.closeDone)
		}
		s.mu.Unlock()
	})
	return s.closeErr
}
