//go:build linux

package logsink

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

const (
	// maxReadsPerEvent bounds the chunks read from one pipe per readiness
	// event: a pipe that is still readable after that is requeued at the end
	// of the ready list, behind the other pipes ready by then.
	maxReadsPerEvent = 4
	// maxEvents is how many readiness events one epoll_wait returns at most.
	maxEvents = 128
)

// Poller reads the pipes of any number of Sinks (see Options.Poller) with
// one goroutine, so that N Sinks cost O(1) goroutines instead of 2N pipe
// readers. Create it with NewPoller; it is safe for concurrent use.
//
// Every pipe read end is registered, edge-triggered, with one epoll
// instance: a pipe is read by the Poller's goroutine when it has new data,
// until it would block but at most four 64 KiB chunks in a row, after which
// it waits its turn again. A chunk that does not fit in its stream's queue
// is held and its pipe left unread until the stream's writer frees room or
// Options.MaxBlock passes, so a full queue blocks the child that writes to
// it and nothing else. The goroutine never waits for anything but
// readiness: it waits for the epoll descriptor in the runtime's netpoller,
// so an idle Poller holds neither an OS thread nor a buffer and never wakes
// up.
//
// The Poller is available on Linux only: elsewhere NewPoller returns an
// error matching errors.ErrUnsupported, and Sinks read with their own
// goroutines.
type Poller struct {
	log  *slog.Logger
	file *os.File      // the epoll descriptor, waited for in the runtime's netpoller
	epfd int           // file's descriptor
	done chan struct{} // closed when run returns
	stop atomic.Bool   // set by Close before it closes file

	mu      sync.Mutex
	closed  bool  // Close was called or run failed: no new pipes
	failure error // why run failed, if it did
	nextID  uint32
	// pipes are the registered read ends, in no order (each knows its
	// index, slot), and byFD the same by descriptor: two slices, where a map
	// by epoll data cost about 100 bytes per pipe.
	pipes  []*polledPipe
	byFD   []*polledPipe
	active sync.WaitGroup // one count per entry of pipes

	closeOnce sync.Once
	closeErr  error
}

// NewPoller creates a Poller and starts its goroutine, which runs until
// Close. log receives what the Poller cannot report through a Sink's
// Options.OnError (nil discards it). On systems other than Linux it returns
// an error matching errors.ErrUnsupported.
func NewPoller(log *slog.Logger) (*Poller, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("logsink: %w", os.NewSyscallError("epoll_create1", err))
	}
	if err := unix.SetNonblock(epfd, true); err != nil {
		_ = unix.Close(epfd)
		return nil, fmt.Errorf("logsink: %w", os.NewSyscallError("fcntl", err))
	}
	// An epoll descriptor is itself pollable: readable while any of its
	// descriptors is ready. A non-blocking one is registered with the
	// runtime's netpoller, which only then supports deadlines on it.
	file := os.NewFile(uintptr(epfd), "logsink-epoll")
	if err := file.SetReadDeadline(time.Time{}); err != nil {
		_ = file.Close()
		return nil, fmt.Errorf("logsink: the runtime cannot poll an epoll descriptor: %w",
			errors.Join(errors.ErrUnsupported, err))
	}
	rc, err := file.SyscallConn()
	if err != nil {
		_ = file.Close()
		return nil, fmt.Errorf("logsink: %w", err)
	}
	p := &Poller{
		log:  log,
		file: file,
		epfd: epfd,
		done: make(chan struct{}),
	}
	go p.run(rc)
	return p, nil
}

// Close stops the Poller. The pipes it still reads are treated as at
// Sink.Close: each is read until EOF for at most 100ms, then its read end is
// closed (a writer still holding the other end gets EPIPE) and output that
// finds no queue room by then is dropped and counted. What was read stays
// queued in its Sink, whose writers write it; the Sinks stay open, but their
// Pipes fails with ErrPollerClosed from the start of Close on. Close returns
// once the Poller's goroutine has exited. It is idempotent; a nil Poller's
// Close does nothing.
func (p *Poller) Close() error {
	if p == nil || p.done == nil { // nil, or not made by NewPoller
		return nil
	}
	p.closeOnce.Do(func() {
		deadline := time.Now().Add(closeDrainTimeout)
		for _, pp := range p.closeRegistration(nil) {
			pp.stopAt(deadline)
		}
		p.active.Wait() // the goroutine serves the pipes until they stop

		p.stop.Store(true)
		// Closing the file wakes the goroutine from the netpoller; Close
		// waits for it to leave its callback before the descriptor goes.
		if err := p.file.Close(); err != nil {
			p.closeErr = fmt.Errorf("logsink: close poller: %w", err)
		}
		<-p.done
	})
	return p.closeErr
}

// run is the Poller's goroutine: it waits until the epoll descriptor is
// readable, takes the ready events without waiting and serves their pipes,
// until Close. If epoll_wait fails, which only a bug can make it do, every
// pipe is stopped and the Poller counts as closed.
func (p *Poller) run(rc syscall.RawConn) {
	defer close(p.done)
	events := make([]unix.EpollEvent, maxEvents)
	var waitErr error
	err := rc.Read(func(fd uintptr) bool {
		for !p.stop.Load() {
			n, err := unix.EpollWait(int(fd), events, 0)
			switch {
			case errors.Is(err, unix.EINTR):
				continue
			case err != nil:
				waitErr = os.NewSyscallError("epoll_wait", err)
				return true
			case n == 0:
				return false // wait in the netpoller
			}
			if !p.dispatch(events[:n]) && n < len(events) {
				// The ready list was empty after this epoll_wait, and no
				// pipe is likely to be ready again at once. A pipe ready
				// since then wakes up the epoll descriptor's waiters, so
				// the netpoller has it call this function again.
				return false
			}
		}
		return true
	})
	if p.stop.Load() {
		return
	}
	if err == nil {
		err = waitErr
	}
	p.fail(err)
}

// dispatch serves the pipes that events report ready. An event of a pipe
// stopped since it was reported is ignored, even once its descriptor is
// reused: the pipe that reuses it has another id. It reports whether a pipe
// stopped at the most it may read per event, so that it is probably ready
// again at once.
func (p *Poller) dispatch(events []unix.EpollEvent) (busy bool) {
	for i := range events {
		fd, id := events[i].Fd, uint32(events[i].Pad)
		var pp *polledPipe
		p.mu.Lock()
		if fd >= 0 && int(fd) < len(p.byFD) {
			pp = p.byFD[fd]
		}
		p.mu.Unlock()
		if pp != nil && pp.id != id {
			pp = nil // the descriptor of a stopped pipe, reused since
		}
		if pp != nil && pp.serve(events[i].Events) {
			busy = true
		}
	}
	return busy
}

// fail stops every pipe after the goroutine ended with err, and has Pipes
// fail from then on.
func (p *Poller) fail(err error) {
	p.log.Error("log pipe poller failed; stopping the log pipes of all services", "err", err)
	for _, pp := range p.closeRegistration(err) {
		pp.finish(fmt.Errorf("poll %s pipe: %w", pp.w.st(), err))
	}
}

// closeRegistration has newPipes fail from now on (with failure, if not
// nil, as the reason) and returns the pipes registered, for the caller to
// stop.
func (p *Poller) closeRegistration(failure error) []*polledPipe {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	if failure != nil {
		p.failure = failure
	}
	return slices.Clone(p.pipes)
}

// newPipes creates a pair of pipes for s and registers their read ends. s.mu
// is held.
func (p *Poller) newPipes(s *Sink) (stdout, stderr *os.File, err error) {
	if p.done == nil {
		return nil, nil, errors.New("logsink: Options.Poller was not made by NewPoller")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		if p.failure != nil {
			return nil, nil, fmt.Errorf("%w: %w", ErrPollerClosed, p.failure)
		}
		return nil, nil, ErrPollerClosed
	}
	var (
		rfds [2]int
		w    [2]*os.File
	)
	closeAll := func(n int) {
		for i := range n {
			_ = unix.Close(rfds[i])
			_ = w[i].Close()
		}
	}
	for i := range rfds {
		if rfds[i], w[i], err = newPipe(); err != nil {
			closeAll(i)
			return nil, nil, fmt.Errorf("logsink: %s pipe: %w", Stream(i), err)
		}
	}
	var added [2]*polledPipe
	for i, fd := range rfds {
		p.nextID++
		pp := &polledPipe{s: s, w: s.streams[i], id: p.nextID, fd: int32(fd)}
		ev := pp.event()
		if err := unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
			for _, pp := range added[:i] {
				_ = unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, int(pp.fd), nil)
			}
			closeAll(len(rfds))
			return nil, nil, fmt.Errorf("logsink: %s pipe: %w", Stream(i), os.NewSyscallError("epoll_ctl", err))
		}
		added[i] = pp
	}
	for _, pp := range added {
		pp.slot = int32(len(p.pipes))
		p.pipes = append(p.pipes, pp)
		if n := int(pp.fd) + 1; n > len(p.byFD) {
			p.byFD = slices.Grow(p.byFD, n-len(p.byFD))[:n]
		}
		p.byFD[pp.fd] = pp
		p.active.Add(1)
		s.readers = append(s.readers, pp)
		s.reading.Add(1)
	}
	return w[Stdout], w[Stderr], nil
}

// newPipe creates a pipe with pipe2 directly: four system calls (pipe2,
// the two fcntl that make the read end non-blocking, and the one of
// os.NewFile) where os.Pipe and a duplicate of its read end took eleven,
// and two more when os/exec put the write end back in blocking mode: nine
// fewer per stream on every start and restart (counted with strace).
//
// The read end, close-on-exec and non-blocking, is only polled by the
// Poller. The write end stays in blocking mode, what the child needs, and
// os.NewFile therefore leaves it out of the runtime's netpoller: a write to
// it from this process blocks its thread while the pipe is full, so it is
// meant for a child, which is what Sink.Pipes returns it for.
func newPipe() (rfd int, w *os.File, err error) {
	var fds [2]int
	if err := unix.Pipe2(fds[:], unix.O_CLOEXEC); err != nil {
		return -1, nil, os.NewSyscallError("pipe2", err)
	}
	if err := unix.SetNonblock(fds[0], true); err != nil {
		_ = unix.Close(fds[0])
		_ = unix.Close(fds[1])
		return -1, nil, os.NewSyscallError("fcntl", err)
	}
	return fds[0], os.NewFile(uintptr(fds[1]), "|1"), nil
}

// forget unregisters pp, which has stopped.
func (p *Poller) forget(pp *polledPipe) {
	p.mu.Lock()
	last := p.pipes[len(p.pipes)-1]
	p.pipes[pp.slot], last.slot = last, pp.slot
	p.pipes[len(p.pipes)-1] = nil
	p.pipes = p.pipes[:len(p.pipes)-1]
	if p.byFD[pp.fd] == pp {
		p.byFD[pp.fd] = nil
	}
	p.mu.Unlock()
	p.active.Done()
}
