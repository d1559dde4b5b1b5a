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
type polledPipe struct {
	p  *Poller
	s  *Sink
	w  *streamWriter
	id uint64 // the epoll data of its events, unique per Poller
	fd int

	mu      sync.Mutex
	state   pipeState
	held    []byte      // while blocked: the chunk waiting for room
	until   time.Time   // while blocked: when the wait for room times out
	timer   *time.Timer // fires timedOut at until; made at the first wait
	stopper *time.Timer // fires finish at stopBy; made by the first stopAt
	stopBy  time.Time
	grown   bool // a read found growAfter bytes: the pipe is busyPipeSize
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
		Fd:     int32(uint32(pp.id)),
		Pad:    int32(uint32(pp.id >> 32)),
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
		n, rerr := unix.Read(pp.fd, *buf)
		switch {
		case rerr == unix.EINTR:
			chunkPool.Put(buf)
			continue
		case rerr == unix.EAGAIN:
			chunkPool.Put(buf)
			return dropped, false, false, nil // the next write is an event
		case rerr != nil:
			chunkPool.Put(buf)
			return dropped, false, true, fmt.Errorf("read %s pipe: %w", pp.w.st, os.NewSyscallError("read", rerr))
		case n == 0:
			chunkPool.Put(buf)
			return dropped, false, true, nil // EOF: every write end is closed
		}
		reads++
		if n >= growAfter && !pp.grown {
			pp.grown = true
			_, _ = unix.FcntlInt(uintptr(pp.fd), unix.F_SETPIPE_SZ, busyPipeSize)
		}
		chunk := chunkOf(buf, n)
		switch pp.w.offer(chunk, pp) {
		case pushFull:
			pp.blockLocked(chunk)
			return dropped, false, false, nil
		case pushStalled:
			recycle(chunk)
			dropped += n
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
// bytes dropped and stops the pipe at its end or on an error.
func (pp *polledPipe) after(dropped int, end bool, err error) {
	if dropped > 0 {
		pp.w.drop(dropped, ErrQueueFull)
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
	if err := unix.EpollCtl(pp.p.epfd, unix.EPOLL_CTL_MOD, pp.fd, &ev); err != nil {
		return fmt.Errorf("poll %s pipe: %w", pp.w.st, os.NewSyscallError("epoll_ctl", err))
	}
	return nil
}

// blockLocked holds chunk, which found no room (the queue has registered pp
// to be called at the next release), and starts the MaxBlock timer. The
// pipe is not read meanwhile. pp.mu is held.
func (pp *polledPipe) blockLocked(chunk []byte) {
	wait := pp.w.q.maxBlock
	pp.state, pp.held, pp.until = pipeBlocked, chunk, time.Now().Add(wait)
	if pp.timer == nil {
		pp.timer = time.AfterFunc(wait, pp.timedOut)
	} else {
		pp.timer.Reset(wait)
	}
}

// unblockLocked ends a wait for room, whatever became of the chunk held,
// and requeues the pipe, which may hold more by now. pp.mu is held.
func (pp *polledPipe) unblockLocked() error {
	pp.state, pp.held = pipeReading, nil
	pp.timer.Stop()
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
	dropped := 0
	switch pp.w.offer(pp.held, pp) {
	case pushFull:
		pp.mu.Unlock() // registered again; the MaxBlock timer runs on
		return
	case pushStalled:
		recycle(pp.held)
		dropped = len(pp.held)
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
	if pp.state != pipeBlocked || time.Now().Before(pp.until) {
		// The wait ended, and this is the late call of its timer; or a
		// later wait reset the timer, which will call again.
		pp.mu.Unlock()
		return
	}
	pp.w.q.stall(pp)
	held := pp.held
	err := pp.unblockLocked()
	pp.mu.Unlock()
	recycle(held)
	pp.after(len(held), false, err)
}

// stopAt implements reader: finish is called at deadline unless the pipe
// ends before, or an earlier stopAt asked for an earlier deadline.
func (pp *polledPipe) stopAt(deadline time.Time) {
	pp.mu.Lock()
	defer pp.mu.Unlock()
	switch {
	case pp.state == pipeStopped:
	case pp.stopper == nil:
		pp.stopBy = deadline
		pp.stopper = time.AfterFunc(time.Until(deadline), func() { pp.finish(nil) })
	case deadline.Before(pp.stopBy):
		pp.stopBy = deadline
		pp.stopper.Reset(time.Until(deadline))
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
	held := pp.held
	pp.state, pp.held = pipeStopped, nil
	if pp.timer != nil {
		pp.timer.Stop()
	}
	if pp.stopper != nil {
		pp.stopper.Stop()
	}
	// Under pp.mu, so that nobody reads or requeues a closed descriptor,
	// whose number may be reused at once.
	_ = unix.EpollCtl(pp.p.epfd, unix.EPOLL_CTL_DEL, pp.fd, nil)
	_ = unix.Close(pp.fd)
	pp.mu.Unlock()

	if held != nil {
		pp.w.q.forget(pp)
		recycle(held)
		pp.w.drop(len(held), ErrQueueFull)
	}
	if err != nil {
		pp.w.stats.report(err)
	}
	pp.w.pipeEnded()
	pp.p.forget(pp)
	pp.s.readerDone(pp)
}
