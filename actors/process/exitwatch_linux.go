//go:build linux

package process

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"syscall"

	"golang.org/x/sys/unix"
)

// pidfdsWork reports whether the kernel gives pollable pidfds (Linux 5.3
// and later).
func pidfdsWork() bool {
	fd, err := unix.PidfdOpen(os.Getpid(), 0)
	if err != nil {
		return false
	}
	_ = unix.Close(fd)
	return true
}

// requestPidfd asks clone for a pidfd of the child, stored in *fd (left at
// -1 if the kernel gives none).
func requestPidfd(attr *syscall.SysProcAttr, fd *int) {
	attr.PidFD = fd
}

// exitPoller waits for the exits of every watched child at once: one epoll
// instance holding their pidfds (a pidfd becomes readable when its process
// exits) and one goroutine blocked in epoll_wait, so a thousand children
// cost one parked thread, not a thousand goroutines.
type exitPoller struct {
	epfd int
	wake int // eventfd written by stop to end the loop
	// byFD maps each registered pidfd to its child. Guarded by Manager.mu.
	byFD map[int32]*child
}

// newExitPoller creates the epoll instance and its wake-up eventfd.
func newExitPoller() (*exitPoller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("epoll_create1: %w", err)
	}
	wake, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		_ = unix.Close(epfd)
		return nil, fmt.Errorf("eventfd: %w", err)
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(wake)}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, wake, &ev); err != nil {
		_ = unix.Close(wake)
		_ = unix.Close(epfd)
		return nil, fmt.Errorf("epoll_ctl: %w", err)
	}
	return &exitPoller{epfd: epfd, wake: wake, byFD: make(map[int32]*child)}, nil
}

// add registers c's pidfd, which the poller then owns. Manager.mu must be
// held. On error the caller still owns pidfd.
func (p *exitPoller) add(c *child, pidfd int) error {
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(pidfd)}
	if err := unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, pidfd, &ev); err != nil {
		return fmt.Errorf("epoll_ctl: %w", err)
	}
	c.pidfd = pidfd
	p.byFD[int32(pidfd)] = c
	return nil
}

// remove unregisters and closes c's pidfd. Manager.mu must be held.
func (p *exitPoller) remove(c *child) {
	if c.pidfd < 0 {
		return
	}
	_ = unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, c.pidfd, nil)
	_ = unix.Close(c.pidfd)
	delete(p.byFD, int32(c.pidfd))
	c.pidfd = -1
}

// stop makes the poll loop return.
func (p *exitPoller) stop() {
	var one = [8]byte{1}
	_, _ = unix.Write(p.wake, one[:])
}

// close releases every descriptor; the poll loop must have returned.
func (p *exitPoller) close() {
	for _, c := range p.byFD {
		_ = unix.Close(c.pidfd)
		c.pidfd = -1
	}
	clear(p.byFD)
	_ = unix.Close(p.wake)
	_ = unix.Close(p.epfd)
}

// watch hands c's pidfd to the exit poller. Manager.mu must be held. It
// reports false when the pidfd cannot be polled: then pidfd is closed and
// c is left to the SIGCHLD passes, which the caller must subscribe to
// (watchSIGCHLD) after releasing the lock.
func (m *Manager) watch(c *child, pidfd int) bool {
	if err := m.poller.add(c, pidfd); err != nil {
		_ = unix.Close(pidfd)
		c.watched = false
		m.log.Warn("cannot watch child exit through its pidfd; falling back to SIGCHLD", "pid", c.pid, "err", err)
		return false
	}
	c.watched = true
	return true
}

// pollExits runs the exit poller until stop: each readable pidfd is a
// child that has exited; it is reaped and its exit delivered, unless a
// SIGCHLD pass (subreaper mode) took it first.
func (m *Manager) pollExits() {
	defer m.wg.Done()
	events := make([]unix.EpollEvent, 64)
	for {
		n, err := unix.EpollWait(m.poller.epfd, events, -1)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			m.log.Error("epoll_wait failed; exits are now found by SIGCHLD passes", "err", err)
			m.handOverAll()
			return
		}
		var (
			out     []exited
			handOff bool // a child went to the SIGCHLD passes
		)
		m.mu.Lock()
		for _, ev := range events[:n] {
			if int(ev.Fd) == m.poller.wake {
				m.mu.Unlock()
				return
			}
			e, ok, held := m.exitReady(ev.Fd)
			if ok {
				out = append(out, e)
			}
			handOff = handOff || held
		}
		m.mu.Unlock()
		if handOff {
			m.watchSIGCHLD()
		}
		for _, e := range out {
			m.deliver(e)
		}
		if len(out) > 0 {
			// Each delivery made an actor's mailbox runnable on this
			// goroutine's P. Yielding lets this thread run it now, instead
			// of another thread being woken to take it while this one
			// blocks in epoll_wait: a restart's first hand-off, which
			// costs tens of µs on a VM (examples/bench/README.md, "The
			// restart's timing").
			runtime.Gosched()
		}
	}
}

// exitReady handles a readable pidfd: ok reports an exit to deliver;
// held, a child that has exited but cannot be reaped yet, handed to the
// SIGCHLD passes, which the caller must subscribe to (watchSIGCHLD) after
// releasing the lock. Manager.mu must be held.
func (m *Manager) exitReady(fd int32) (e exited, ok, held bool) {
	c := m.poller.byFD[fd]
	if c == nil {
		return exited{}, false, false
	}
	if m.procs[c.pid] != c {
		// Reaped (and delivered) by a SIGCHLD pass; its pid may name a
		// newer child by now.
		m.poller.remove(c)
		return exited{}, false, false
	}
	out, got := m.reapChild(c)
	if !got {
		// Readable, yet wait4(pid) sees no exit: if the process is gone,
		// someone else reaped it and the pid names another process now.
		if err := unix.PidfdSendSignal(int(fd), 0, nil, 0); !errors.Is(err, unix.ESRCH) {
			// A zombie that a tracer (a debugger or strace attached to
			// it) must collect first: it cannot be reaped until the
			// tracer waits for it or goes away, however long that takes,
			// and its pidfd stays readable meanwhile, so polled again it
			// would wake this loop at once, again and again. The SIGCHLD
			// passes take it over: the kernel sends SIGCHLD when the
			// tracer lets it go.
			m.poller.remove(c)
			c.watched = false
			m.log.Debug("exited child held by a tracer; its exit is collected once the tracer releases it", "pid", c.pid)
			return exited{}, false, true
		}
		delete(m.procs, c.pid)
		out = exited{onExit: c.onExit, exit: m.lost(c, errors.New("reaped by someone else"))}
	}
	m.poller.remove(c)
	return out, true, false
}

// handOverAll gives every watched child to the SIGCHLD passes, when the
// poller fails, and those started later too.
func (m *Manager) handOverAll() {
	m.mu.Lock()
	m.pollerFailed = true
	for _, c := range m.poller.byFD {
		c.watched = false
	}
	m.mu.Unlock()
	m.watchSIGCHLD()
}
