package logsink

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// queue hands chunks from a stream's readers to its writer. It is bounded by
// the bytes not yet written: a chunk counts from push until the writer
// releases it after writing, so a blocked writer holds at most limit bytes.
//
// A push that does not fit waits for the writer to release room, for at most
// maxBlock. When such a wait times out the queue is stalled: further pushes
// fail at once, until the writer releases something again. (Failing even
// those that would fit keeps what is lost in one piece, instead of letting
// small chunks through between the dropped ones.)
//
// A Poller's pipes cannot wait: they use tryPush, which registers a
// roomWaiter instead, and stall when their own MaxBlock timer fires.
type queue struct {
	limit    int32 // Options.QueueBytes (int32 and next to stalled: 8 bytes less)
	stalled  bool  // a push timed out and nothing was released since (under mu)
	pipes    int16 // pipes that push here whose readers have not ended (under mu; in stalled's padding)
	maxBlock time.Duration
	budget   *Budget // shared with other queues; nil: none

	mu      sync.Mutex
	chunks  []chunk
	pending int           // bytes pushed and not yet released
	room    chan struct{} // closed by the next release; nil while nobody waits
	waiters []roomWaiter  // called by the next release
}

// chunk is output queued: its bytes, and when a reader read them (Unix
// nanoseconds; 0 if nobody asked, see streamWriter.readAt). A chunk with
// nil bytes is a mark of markBreak.
type chunk struct {
	b  []byte
	at int64
}

// roomWaiter is a pipe of a Poller holding a chunk that did not fit.
type roomWaiter interface {
	// roomFreed is called, without the queue's lock, after a release.
	roomFreed()
}

// pushResult is what tryPush did with a chunk.
type pushResult int

const (
	pushed         pushResult = iota // queued
	pushFull                         // not queued: it does not fit; the waiter is called at the next release
	pushStalled                      // not queued: the queue is stalled; drop it
	pushOverBudget                   // not queued: the Budget shared with other queues is spent; drop it
)

// push appends b (at most limit bytes), read at at, unless the queue is
// stalled. If b does not fit, it first waits for room (see waitForRoom),
// or until hurry is closed: then it is queued past the bound. If the
// budget is spent, b is not queued either, at once: waiting would hold up
// the child for the other streams' disks. Unless it says pushed, the
// caller drops b.
func (q *queue) push(b []byte, at int64, giveUp, hurry <-chan struct{}) pushResult {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.stalled || (q.pending+len(b) > int(q.limit) && !q.waitForRoom(len(b), giveUp, hurry)) {
		return pushStalled
	}
	if !q.budget.take(len(b)) {
		return pushOverBudget
	}
	q.add(b, at)
	return pushed
}

// add queues b, read at at, which fits. A small b goes at the end of the
// last chunk queued, if that is small enough too: a service that writes a
// few bytes at a time (unbuffered stderr, a progress indicator) has each
// of them read as a chunk of its own, and behind a hung disk a queue of
// such chunks, a chunk entry and an allocation of at least 8 bytes each,
// took some thirty times the bytes it held. Appending costs at most twice
// those bytes, amortised. The last chunk has not been taken by the
// writer: take empties the queue. A b merged so is not a buffer of
// chunkPool (those are not small), and nothing else holds it. With
// Options.Timestamps, b is merged only into a chunk read in the same
// millisecond (the stamps have no finer steps), unless mergeAnyAfter
// chunks are queued already: behind a hung disk, stamps of later lines
// may then be those of earlier ones, but the queue stays small. q.mu is
// held.
func (q *queue) add(b []byte, at int64) {
	q.pending += len(b)
	if n := len(q.chunks); n > 0 && len(b) < chunkSize/2 {
		if last := &q.chunks[n-1]; last.b != nil && len(last.b)+len(b) <= chunkSize && (last.at/1e6 == at/1e6 || n >= mergeAnyAfter) {
			last.b = append(last.b, b...)
			return
		}
	}
	q.chunks = append(q.chunks, chunk{b: b, at: at})
}

// waitForRoom waits until n more bytes fit, for at most maxBlock and only
// until giveUp is closed. A timeout stalls the queue; a push that wakes up to
// find it stalled gives up too. A closed hurry ends the wait as room does:
// the n bytes go past the bound (see pipeReader.catchUp). It is called and
// returns with q.mu held, and reports whether n bytes may be queued.
func (q *queue) waitForRoom(n int, giveUp, hurry <-chan struct{}) bool {
	timer := time.NewTimer(q.maxBlock)
	defer timer.Stop()
	for q.pending+n > int(q.limit) {
		if q.stalled { // another push timed out since the last release
			return false
		}
		if q.room == nil {
			q.room = make(chan struct{})
		}
		room := q.room
		q.mu.Unlock()
		select {
		case <-room:
			q.mu.Lock()
		case <-timer.C:
			q.mu.Lock()
			q.stalled = true
			return false
		case <-giveUp:
			q.mu.Lock()
			return false
		case <-hurry:
			q.mu.Lock()
			return !q.stalled
		}
	}
	return true
}

// tryPush appends b (at most limit bytes), read at at, if the queue is not
// stalled and b fits, without waiting. If b does not fit, wt is registered
// to be called once by the next release.
func (q *queue) tryPush(b []byte, at int64, wt roomWaiter) pushResult {
	q.mu.Lock()
	defer q.mu.Unlock()
	switch {
	case q.stalled:
		return pushStalled
	case q.pending+len(b) > int(q.limit):
		if !slices.Contains(q.waiters, wt) {
			q.waiters = append(q.waiters, wt)
		}
		return pushFull
	case !q.budget.take(len(b)):
		return pushOverBudget
	}
	q.add(b, at)
	return pushed
}

// pushOver appends b, read at at, even if it takes the queue past its
// bound, unless the queue is stalled or the budget is spent: for the
// output a process
// left in its pipe when the next process of its service starts, which
// must be queued before the next one's (see polledPipe.catchUp and
// pipeReader.catchUp). It never waits.
func (q *queue) pushOver(b []byte, at int64) pushResult {
	q.mu.Lock()
	defer q.mu.Unlock()
	switch {
	case q.stalled:
		return pushStalled
	case !q.budget.take(len(b)):
		return pushOverBudget
	}
	q.add(b, at)
	return pushed
}

// stall marks the queue stalled, as a push whose wait for room timed out
// does, and forgets wt.
func (q *queue) stall(wt roomWaiter) {
	q.mu.Lock()
	q.stalled = true
	q.forgetLocked(wt)
	q.mu.Unlock()
}

// forget unregisters wt, which no longer waits for room.
func (q *queue) forget(wt roomWaiter) {
	q.mu.Lock()
	q.forgetLocked(wt)
	q.mu.Unlock()
}

func (q *queue) forgetLocked(wt roomWaiter) {
	if i := slices.Index(q.waiters, wt); i >= 0 {
		q.waiters = slices.Delete(q.waiters, i, i+1)
	}
}

// mergeAnyAfter is how many chunks a queue holds before add merges small
// ones whatever their read times: 1024 entries of 32 bytes, and their
// small allocations, are a small fraction of a queue's bound.
const mergeAnyAfter = 1024

// markBreak queues a line break point: the output queued after it starts a
// line of its own (see streamWriter.endLine). It marks the start of another
// process's output, and, with Options.Timestamps, the output after a gap
// (chunks dropped). The mark is a chunk with nil bytes, which holds none
// and which add does not append to; it is queued even by a stalled queue
// or with the budget spent, but not right after another mark, so a long
// stall queues one per drain at most.
func (q *queue) markBreak() {
	q.mu.Lock()
	q.markBreakLocked()
	q.mu.Unlock()
}

// markBreakLocked is markBreak with q.mu held.
func (q *queue) markBreakLocked() {
	if n := len(q.chunks); n == 0 || q.chunks[n-1].b != nil {
		q.chunks = append(q.chunks, chunk{})
	}
}

// openPipe marks the break before the output of a new pipe (markBreak)
// and counts the pipe, at once: a writer that counts none after it took
// the queue's chunks knows that no pipe can finish the line it wrote last
// (see streamWriter.rotate). pipeClosed takes the count back once the
// pipe's reader has ended, or if the pipe could not be made.
func (q *queue) openPipe() {
	q.mu.Lock()
	q.markBreakLocked()
	q.pipes++
	q.mu.Unlock()
}

// pipeClosed takes back a count of openPipe.
func (q *queue) pipeClosed() {
	q.mu.Lock()
	q.pipes--
	q.mu.Unlock()
}

// take returns the queued chunks, leaving spare (emptied) as the new queue so
// that the two slices are reused in turn. The chunks still count against the
// bound until the writer releases them. It also returns how many pipes are
// open (see openPipe) as the chunks are taken: a pipe counted then had its
// break queued among them, and output queued after the take is not among
// them.
func (q *queue) take(spare []chunk) ([]chunk, int) {
	q.mu.Lock()
	chunks, pipes := q.chunks, int(q.pipes)
	q.chunks = spare[:0]
	q.mu.Unlock()
	return chunks, pipes
}

// empty reports whether no chunk is waiting to be taken.
func (q *queue) empty() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.chunks) == 0
}

// release frees n bytes of the bound once they are written or dropped,
// wakes the pushes waiting for room, calls the waiters and ends a stall: the
// writer is moving.
func (q *queue) release(n int) {
	q.budget.give(n)
	q.mu.Lock()
	q.pending -= n
	q.stalled = false
	if q.room != nil {
		close(q.room)
		q.room = nil
	}
	waiters := q.waiters
	q.waiters = nil
	q.mu.Unlock()
	for _, wt := range waiters {
		wt.roomFreed()
	}
}

// streamStats holds a stream's counters and its error reporting state. The
// latter is made at the first error: most streams never have one.
type streamStats struct {
	st Stream
	cb *callbacks // shared by a Sink's two streams

	written atomic.Uint64
	dropped atomic.Uint64

	mu   sync.Mutex
	errs *errorState // nil until the first error
}

// callbacks are Options.OnError and OnResume, held once for both streams
// of a Sink: a stream's writer is kept small (see streamWriter.lj).
type callbacks struct {
	onError  func(Stream, error)
	onResume func(Stream, Resumption)
	// lock is the Sink's dirLock, made sure of by each writer before it
	// opens its live file (here rather than in each streamWriter, which
	// must fit its size class).
	lock *dirLock
}

// errorState is a stream's last error and when OnError or OnResume was
// last called.
type errorState struct {
	lastErr      error
	lastErrAt    time.Time
	lastNotified time.Time
	// droppedNotified is the dropped count when OnError or OnResume was
	// last called.
	droppedNotified uint64
	// trailer, while errors, drops or a resumption may be left
	// unreported, calls OnError or OnResume once more errorInterval later
	// (see trail); nil if none is pending.
	trailer *time.Timer
	trails  sync.WaitGroup // trailing calls armed and not cancelled (see trail)
	stopped bool           // the stream is closed: no trailer any more

	// An episode of lost output runs from the first output dropped after
	// the last resumption told (or after Open) to the first write that
	// succeeds after the last output dropped: losing is set while it runs,
	// resumed once it is over and until OnResume has told it.
	losing, resumed bool
	resumedAt       time.Time // when the episode ended
	lossErr         error     // the last error that dropped output
	// episodeStart is the dropped count when the last episode told began:
	// the next one's total is counted from it.
	episodeStart uint64
}

// calls is what a stream owes its callbacks: the calls to make, outside
// s.mu, once takeOwed has marked their content told.
type calls struct {
	resumed *Resumption // to OnResume, first
	err     error       // to OnError, after it
}

// report records err and passes it to OnError (or, if a resumption is
// owed, OnResume first) unless one of them was called less than
// errorInterval ago. What that leaves out (later errors, output
// dropped since) is reported by a trailing call errorInterval later, so
// that the last count of dropped bytes is always told, even when the
// trouble ends inside an interval.
func (s *streamStats) report(err error) { s.lose(0, err) }

// lose counts n bytes dropped because of err (0: err dropped nothing) and
// reports err as report does.
func (s *streamStats) lose(n int, err error) {
	now := time.Now()
	s.mu.Lock()
	if s.errs == nil {
		s.errs = new(errorState)
	}
	e := s.errs
	if n > 0 {
		s.dropped.Add(uint64(n))
		s.lostLocked(err)
	}
	e.lastErr, e.lastErrAt = err, now
	var c calls
	if s.mayCallLocked(now) {
		c = s.takeOwedLocked(now)
	}
	s.armTrailer()
	s.mu.Unlock()
	s.tell(c)
}

// dropUnreported counts n bytes dropped without trying to write them (for
// resourceRetry after a full disk): reported by the trailing call.
func (s *streamStats) dropUnreported(n int) {
	s.mu.Lock()
	s.dropped.Add(uint64(n))
	if s.errs == nil {
		s.errs = new(errorState)
	}
	s.lostLocked(nil)
	s.armTrailer()
	s.mu.Unlock()
}

// lostLocked notes that output was just dropped, because of err if it is
// not nil: an episode of lost output begins, or goes on. s.mu is held, and
// s.errs set.
func (s *streamStats) lostLocked(err error) {
	e := s.errs
	e.losing, e.resumed = true, false
	if err != nil {
		e.lossErr = err
	}
}

// wrote notes that a write succeeded: if output was dropped since the last
// one, the episode of lost output is over, and OnResume tells it, with its
// final count, now or, within errorInterval of the last call, by the
// trailing call.
//
// Most streams never drop anything, and this is called after every write:
// with nothing dropped since Open no episode can be running, since losing
// is only set (under s.mu) after dropped was raised by a count above 0
// (write never gets an empty p), and dropped only grows. A drop racing
// with this load came after the write: its episode goes on.
func (s *streamStats) wrote() {
	if s.dropped.Load() == 0 {
		return
	}
	s.mu.Lock()
	e := s.errs
	if e == nil || !e.losing {
		s.mu.Unlock()
		return
	}
	e.losing = false
	if s.cb.onResume == nil {
		s.mu.Unlock()
		return // the trailing call tells OnError what is owed, as it would have
	}
	now := time.Now()
	e.resumed, e.resumedAt = true, now
	var c calls
	if s.mayCallLocked(now) {
		c = s.takeOwedLocked(now)
	}
	s.armTrailer()
	s.mu.Unlock()
	s.tell(c)
}

// mayCallLocked reports whether a call may be made at now: no call was
// made less than errorInterval before. s.mu is held, and s.errs set.
func (s *streamStats) mayCallLocked(now time.Time) bool {
	e := s.errs
	return !e.stopped && (e.lastNotified.IsZero() || now.Sub(e.lastNotified) >= errorInterval)
}

// armTrailer arms the trailing call unless one is pending, there is no
// callback or the stream is closed. s.mu must be held, and s.errs set.
func (s *streamStats) armTrailer() {
	e := s.errs
	if s.cb.onError == nil && s.cb.onResume == nil || e.trailer != nil || e.stopped {
		return
	}
	e.trails.Add(1)
	e.trailer = time.AfterFunc(errorInterval, s.trail)
}

// owed reports whether a resumption not told yet, or an error or dropped
// output that came after the last call, is left to tell. s.mu must be
// held, and s.errs set.
func (s *streamStats) owed() bool {
	e := s.errs
	if e.resumed { // set only with OnResume (see wrote)
		return true
	}
	return s.cb.onError != nil && (e.lastErrAt.After(e.lastNotified) || s.dropped.Load() != e.droppedNotified)
}

// takeOwedLocked returns the calls that tell what is owed and marks it
// told at now. A resumption tells the final count of its episode, which
// covers the output dropped since the last call and the errors that came
// before it: OnError is then called only for an error that came after
// the resumption. s.mu is held, and s.errs set.
func (s *streamStats) takeOwedLocked(now time.Time) calls {
	e := s.errs
	var c calls
	dropped := s.dropped.Load()
	since := e.lastNotified
	if e.resumed { // set only with OnResume (see wrote)
		c.resumed = &Resumption{Dropped: dropped - e.episodeStart, TotalDropped: dropped, Err: e.lossErr}
		since = e.resumedAt
		e.resumed, e.episodeStart = false, dropped
	}
	if s.cb.onError != nil && (e.lastErrAt.After(since) || c.resumed == nil && dropped != e.droppedNotified) {
		c.err = e.lastErr
	}
	if c.resumed != nil || c.err != nil {
		// Without a call (no OnError for an error) the limit does not
		// start: a resumption that follows is told at once.
		e.lastNotified, e.droppedNotified = now, dropped
	}
	return c
}

// tell makes the calls c holds, without s.mu.
func (s *streamStats) tell(c calls) {
	if c.resumed != nil {
		s.cb.onResume(s.st, *c.resumed)
	}
	if c.err != nil {
		s.cb.onError(s.st, c.err)
	}
}

// trail is the trailing call armed by lose (and so report),
// dropUnreported and wrote: it tells what is owed, if anything, and then
// looks again errorInterval later, until nothing new has come.
func (s *streamStats) trail() {
	s.mu.Lock()
	e := s.errs
	defer e.trails.Done()
	e.trailer = nil
	var c calls
	if !e.stopped && s.owed() {
		c = s.takeOwedLocked(time.Now())
		s.armTrailer()
	}
	s.mu.Unlock()
	s.tell(c)
}

// stop cancels the trailing call, once the stream is closed, waits for
// one under way, and makes it now if anything is owed: the final count of
// dropped bytes, or the resumption that tells it. No OnError or OnResume
// call of the stream comes after it returns.
func (s *streamStats) stop() {
	s.mu.Lock()
	e := s.errs
	if e == nil || e.stopped {
		s.mu.Unlock()
		return
	}
	e.stopped = true
	if e.trailer != nil && e.trailer.Stop() {
		e.trails.Done() // cancelled before it ran
	}
	e.trailer = nil
	s.mu.Unlock()
	e.trails.Wait()
	s.mu.Lock()
	var c calls
	if s.owed() {
		c = s.takeOwedLocked(time.Now())
	}
	s.mu.Unlock()
	s.tell(c)
}

func (s *streamStats) snapshot() StreamStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := StreamStats{
		BytesWritten: s.written.Load(),
		BytesDropped: s.dropped.Load(),
	}
	if e := s.errs; e != nil {
		st.LastError, st.LastErrorTime = e.lastErr.Error(), e.lastErrAt
	}
	return st
}

// Budget bounds the bytes that all the Sinks sharing it hold together,
// read from the pipes but not yet written: each stream's queue is bounded
// by Options.QueueBytes, but a disk that hangs under a thousand services
// would otherwise hold a thousand full queues in memory. Output that finds
// the budget spent is dropped and counted at once (ErrBudgetFull), without
// waiting: the other streams' disks must not hold up this child. A Budget
// is safe for concurrent use; share one through Options.Budget.
type Budget struct {
	limit int64
	used  atomic.Int64
}

// NewBudget returns a Budget of limit bytes (at least one chunk, 64 KiB).
func NewBudget(limit int64) *Budget {
	return &Budget{limit: max(limit, chunkSize)}
}

// Used returns the bytes queued under b now.
func (b *Budget) Used() int64 { return b.used.Load() }

// take reserves n bytes, if they fit; a nil Budget always has room. Used
// never exceeds the limit, not even for a moment: an add taken back once
// over it would refuse, meanwhile, a take that fits.
func (b *Budget) take(n int) bool {
	if b == nil {
		return true
	}
	for {
		used := b.used.Load()
		if used+int64(n) > b.limit {
			return false
		}
		if b.used.CompareAndSwap(used, used+int64(n)) {
			return true
		}
	}
}

// give returns n bytes taken before.
func (b *Budget) give(n int) {
	if b != nil {
		b.used.Add(-int64(n))
	}
}
