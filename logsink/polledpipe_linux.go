//go:build linux

package logsink

import (
	"fmt"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// pipeState is where a polled pipe is in its life.
type pipeState uint8

const (
	// pipeReading: read whenever an event reports it.
	pipeReading pipeState = iota
	// pipeBlocked: holding a chunk that does not fit in the queue; not
	// read (its events are ignored), so that the pipe fills and its writer
	// blocks.
	pipeBlocked
	// pipeStopped: unregistered and closed.
	pipeStopped
)

// polledPipe is a pipe read end that a Poller reads into a stream's queue:
// the Poller's counterpart of Sink.read. It never waits. A chunk that does
// not fit is held, and the pipe left unread, until the writer frees room
// (roomFreed), MaxBlock passes (timedOut: the chunk is dropped and the queue
// stalled, as queue.waitForRoom does) or the pipe is stopped.
//
// The pipe is registered edge-triggered: an event reports new data, so the
// pipe is read until it would block; where reading stops before that (at
// maxReadsPerEvent chunks, or to wait for room), requeue has epoll report it
// again if it is still readable.
//
// A thousand services have two thousand of these, nearly all of them only
// reading now and then: what a pipe needs only to wait for room or to stop
// is in pipeWaits, made the first time it does either, so that a pipe that
// never does costs 48 bytes (and 16 in the Poller). Its Poller is its
// Sink's (s.poller).
type polledPipe struct {
	s  *Sink
	w  *streamWriter
	mu sync.Mutex
	// The epoll data of its events is fd and id, unique per Poller until
	// it wraps, so that an event of a stopped pipe is not taken for one of
	// the pipe that reuses its descriptor.
	id    uint32
	fd    int32
	slot  int32 // its index in Poller.pipes, guarded by the Poller's mu
	state pipeState
	grown bool       // a read found growAfter bytes: the pipe is busyPipeSize
	waits *pipeWaits // nil until the pipe first waits for room or is stopped
}

// pipeWaits is the state of a polledPipe waiting for queue room or for its
// stop deadline, guarded by the pipe's mu.
type pipeWaits struct {
	held    []byte      // while blocked: the chunk waiting for room
	heldAt  int64       // while blocked: when held was read (streamWriter.readAt)
	until   time.Time   // while blocked: when the wait for room times out
	timer   *time.Timer // fires timedOut at until; made at the first wait
	stopper *time.Timer // fires finish at stopBy; made by the first stopAt
	stopBy  time.Time
}

// waitsLocked returns pp.waits, made if need be. pp.mu is held.
func (pp *polledPipe) waitsLocked() *pipeWaits {
	if pp.waits == nil {
		pp.waits = new(pipeWaits)
	}
	return pp.waits
}

// A pipe is grown to busyPipeSize the first time one read finds growAfter
// bytes or more in it, a sign that its writer streams. A pipe read by the
// Poller is woken up through two epoll levels (the pipe's, then the
// runtime's on the Poller's epoll descriptor), and with the kernel's
// default 64 KiB a child writing as fast as it can blocks on a full pipe
// often enough to lose a quarter of its throughput (superbench -only logs:
// ~780 MB/s against ~1150 for a goroutine per pipe); with 1 MiB it writes
// at the speed of the bare pipe loop. Pipes start at the default because a
// pipe's capacity is kernel memory (its ring of page slots) and counts
// against the user's pipe-user-pages limits: only busy pipes pay for more.
// A refusal (those limits, or pipe-max-size) leaves the pipe as it is.
const (
	busyPipeSize = 1 << 20
	growAfter    = 4 << 10
)

// event is what the pipe is registered for: new data (or EOF), as an edge.
func (pp *polledPipe) event() unix.EpollEvent {
	return unix.EpollEvent{
		Events: unix.EPOLLIN | unix.EPOLLET,
		Fd:     pp.fd,
		Pad:    int32(pp.id),
	}
}

// serve reads the pipe after an event reported new data or, with
// EPOLLHUP in events, that every write end is closed. It reports whether it
// stopped at maxReadsPerEvent chunks, so that the pipe is probably ready
// again at once.
func (pp *polledPipe) serve(events uint32) (busy bool) {
	pp.mu.Lock()
	if pp.state != pipeReading {
		pp.mu.Unlock()
		return false
	}
	dropped, busy, end, err := pp.readLocked(events&(unix.EPOLLHUP|unix.EPOLLERR) != 0)
	pp.mu.Unlock()
	pp.after(dropped, end, err)
	return busy
}

// readLocked reads and queues chunks until the pipe is empty (until EOF if
// hup: the write ends closed before the event was reported), for at most
// maxReadsPerEvent chunks; then the pipe is requeued, behind the others
// ready by then. A chunk that does not fit blocks the pipe. Chunks that find
// the queue stalled are dropped at once; it returns how many bytes that
// was. busy reports that it stopped at maxReadsPerEvent, end EOF or a read
// error (err). pp.mu is held.
func (pp *polledPipe) readLocked(hup bool) (dropped int, busy, end bool, err error) {
	for reads := 0; reads < maxReadsPerEvent; {
		buf := chunkPool.Get().(*[]byte)
		n, rerr := unix.Read(int(pp.fd), *buf)
		switch {
		case rerr == unix.EINTR:
			chunkPool.Put(buf)
			continue
		case rerr == unix.EAGAIN:
			chunkPool.Put(buf)
			return dropped, false, false, nil // the next write is an event
		case rerr != nil:
			chunkPool.Put(buf)
			return dropped, false, true, fmt.Errorf("read %s pipe: %w", pp.w.st(), os.NewSyscallError("read", rerr))
		case n == 0:
			chunkPool.Put(buf)
			return dropped, false, true, nil // EOF: every write end is closed
		}
		reads++
		if n >= growAfter && !pp.grown {
			pp.grown = true
			_, _ = unix.FcntlInt(uintptr(pp.fd), unix.F_SETPIPE_SZ, busyPipeSize)
		}
		chunk, at := chunkOf(buf, n), pp.w.readAt()
		switch pp.w.offer(chunk, at, pp) {
		case pushFull:
			pp.blockLocked(chunk, at)
			return dropped, false, false, nil
		case pushStalled:
			recycle(chunk)
			dropped += n
			pp.w.markGap() // now, under pp.mu: before this pipe's next chunk
		case pushOverBudget:
			recycle(chunk)
			pp.w.drop(n, ErrBudgetFull)
		}
		if n < chunkSize && reads == 1 && !hup {
			// A short first read, the usual case of a service writing now
			// and then, needs no second one to see EAGAIN: a pipe read
			// takes all there is, up to the buffer's size, under the pipe's
			// lock, so the pipe was empty and the next write is an event.
			// So is the closing of the last write end, unless it came
			// before the event was reported. (After a full read the writer
			// is streaming: reading on picks up what it wrote meanwhile
			// without waiting for an event.)
			return dropped, false, false, nil
		}
	}
	return dropped, true, false, pp.requeueLocked()
}

// after finishes a step that released pp.mu: it counts and reports the
// bytes dropped (whose gap streamWriter.markGap marked when they were
// dropped, under pp.mu) and stops the pipe at its end or on an error.
func (pp *polledPipe) after(dropped int, end bool, err error) {
	if dropped > 0 {
		pp.w.stats.lose(dropped, ErrQueueFull)
	}
	if end || err != nil {
		pp.finish(err)
	}
}

// requeueLocked has epoll report the pipe again if it is readable now; an
// edge-triggered pipe not read until it would block is reported again only
// so. pp.mu is held.
func (pp *polledPipe) requeueLocked() error {
	ev := pp.event()
	if err := unix.EpollCtl(pp.s.poller.epfd, unix.EPOLL_CTL_MOD, int(pp.fd), &ev); err != nil {
		return fmt.Errorf("poll %s pipe: %w", pp.w.st(), os.NewSyscallError("epoll_ctl", err))
	}
	return nil
}

// blockLocked holds chunk, read at at, which found no room (the queue has
// registered pp to be called at the next release), and starts the MaxBlock
// timer. The pipe is not read meanwhile. pp.mu is held.
func (pp *polledPipe) blockLocked(chunk []byte, at int64) {
	wait, x := pp.w.queue.maxBlock, pp.waitsLocked()
	pp.state, x.held, x.heldAt, x.until = pipeBlocked, chunk, at, time.Now().Add(wait)
	if x.timer == nil {
		x.timer = time.AfterFunc(wait, pp.timedOut)
	} else {
		x.timer.Reset(wait)
	}
}

// unblockLocked ends a wait for room, whatever became of the chunk held,
// and requeues the pipe, which may hold more by now. pp.mu is held.
func (pp *polledPipe) unblockLocked() error {
	pp.state, pp.waits.held = pipeReading, nil
	pp.waits.timer.Stop()
	return pp.requeueLocked()
}

// roomFreed is called by the stream's writer after it freed room while pp
// was waiting for it: the chunk held is queued if it fits now, or dropped
// if the queue has stalled meanwhile; else pp waits on.
func (pp *polledPipe) roomFreed() {
	pp.mu.Lock()
	if pp.state != pipeBlocked {
		pp.mu.Unlock()
		return
	}
	dropped, held := 0, pp.waits.held
	switch pp.w.offer(held, pp.waits.heldAt, pp) {
	case pushFull:
		pp.mu.Unlock() // registered again; the MaxBlock timer runs on
		return
	case pushStalled:
		recycle(held)
		dropped = len(held)
		pp.w.markGap()
	case pushOverBudget:
		recycle(held)
		pp.w.drop(len(held), ErrBudgetFull)
	}
	err := pp.unblockLocked()
	pp.mu.Unlock()
	pp.after(dropped, false, err)
}

// timedOut is the MaxBlock timer's function: a wait for room that lasted
// MaxBlock drops the chunk held and stalls the queue, so that the stream's
// output is dropped without waiting until the writer finishes a write.
func (pp *polledPipe) timedOut() {
	pp.mu.Lock()
	if pp.state != pipeBlocked || time.Now().Before(pp.waits.until) {
		// The wait ended, and this is the late call of its timer; or a
		// later wait reset the timer, which will call again.
		pp.mu.Unlock()
		return
	}
	pp.w.queue.stall(pp)
	held := pp.waits.held
	pp.w.markGap()
	err := pp.unblockLocked()
	pp.mu.Unlock()
	recycle(held)
	pp.after(len(held), false, err)
}

// catchUp queues what the pipe holds now, the chunk it holds for want of
// room first, past the queue's bound if need be: it is called before the
// pipes of the service's next process are made, and what the previous
// process wrote must come before anything the next one writes. Left in
// the pipe, it would be read as room frees, chunk by chunk, in turn with
// the next process's output, which would then land in the middle of it,
// in the middle of a line too. It reads at most catchUpMax. The queue
// holds that much more than its bound for a while; the Budget still
// applies, and a stalled queue still drops.
func (pp *polledPipe) catchUp() {
	pp.mu.Lock()
	if pp.state == pipeStopped {
		pp.mu.Unlock()
		return
	}
	if pp.state == pipeBlocked {
		held := pp.waits.held
		pp.w.queue.forget(pp)
		pp.state, pp.waits.held = pipeReading, nil
		pp.waits.timer.Stop()
		queueOver(pp.w, held, pp.waits.heldAt)
	}
	var end bool
	var err error
	for range catchUpMax / chunkSize {
		buf := chunkPool.Get().(*[]byte)
		n, rerr := unix.Read(int(pp.fd), *buf)
		if rerr == unix.EINTR {
			chunkPool.Put(buf)
			continue
		}
		if rerr != nil || n == 0 {
			chunkPool.Put(buf)
			switch {
			case rerr == unix.EAGAIN:
			case rerr != nil:
				end, err = true, fmt.Errorf("read %s pipe: %w", pp.w.st(), os.NewSyscallError("read", rerr))
			default:
				end = true // EOF: the process and its children are gone
			}
			break
		}
		queueOver(pp.w, chunkOf(buf, n), pp.w.readAt())
	}
	if !end {
		// Its events were taken in part: have epoll report the pipe again
		// if it is still readable.
		err = pp.requeueLocked()
	}
	pp.mu.Unlock()
	pp.after(0, end, err)
}

// stopAt implements reader: finish is called at deadline unless the pipe
// ends before, or an earlier stopAt asked for an earlier deadline.
func (pp *polledPipe) stopAt(deadline time.Time) {
	pp.mu.Lock()
	defer pp.mu.Unlock()
	if pp.state == pipeStopped {
		return
	}
	switch x := pp.waitsLocked(); {
	case x.stopper == nil:
		x.stopBy = deadline
		x.stopper = time.AfterFunc(time.Until(deadline), func() { pp.finish(nil) })
	case deadline.Before(x.stopBy):
		x.stopBy = deadline
		x.stopper.Reset(time.Until(deadline))
	}
}

// finish stops the pipe, at EOF, at a stop deadline or after err, which is
// then reported: the read end is unregistered and closed, a chunk held is
// dropped and counted, and the Poller and the Sink forget the pipe. Only the
// first call does anything.
func (pp *polledPipe) finish(err error) {
	pp.mu.Lock()
	if pp.state == pipeStopped {
		pp.mu.Unlock()
		return
	}
	var held []byte
	if x := pp.waits; x != nil {
		held, x.held = x.held, nil
		if x.timer != nil {
			x.timer.Stop()
		}
		if x.stopper != nil {
			x.stopper.Stop()
		}
	}
	pp.state = pipeStopped
	// Under pp.mu, so that nobody reads or requeues a closed descriptor,
	// whose number may be reused at once.
	_ = unix.EpollCtl(pp.s.poller.epfd, unix.EPOLL_CTL_DEL, int(pp.fd), nil)
	_ = unix.Close(int(pp.fd))
	pp.mu.Unlock()

	if held != nil {
		pp.w.queue.forget(pp)
		recycle(held)
		pp.w.drop(len(held), ErrQueueFull)
	}
	if err != nil {
		pp.w.stats.report(err)
	}
	pp.w.pipeEnded()
	pp.s.poller.forget(pp)
	pp.s.readerDone(pp)
}
