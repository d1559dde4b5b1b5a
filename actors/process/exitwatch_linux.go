//go:build linux

package process

import (
	"errors"
	"os"
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

// watchExit waits for the exit of c, whose pidfd it owns, and reaps it. The
// pidfd, made non-blocking, is registered with the Go netpoller: the
// goroutine parks without holding an OS thread and is readied when the
// pidfd becomes readable, that is when the process has exited. It stops
// early when a SIGCHLD pass (subreaper mode) reaped c first, or when Close
// closes the pidfd. If the pidfd cannot be polled, c is handed over to the
// SIGCHLD passes.
func (m *Manager) watchExit(c *child, pidfd int) {
	defer m.wg.Done()
	if err := unix.SetNonblock(pidfd, true); err != nil {
		_ = unix.Close(pidfd)
		m.unwatch(c, err)
		return
	}
	f := os.NewFile(uintptr(pidfd), "pidfd")
	defer f.Close()
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return
	}
	c.exitFD = f
	m.mu.Unlock()

	rc, err := f.SyscallConn()
	if err != nil {
		m.unwatch(c, err)
		return
	}
	var (
		out   exited
		got   bool
		stop  bool // Close, or reaped by a SIGCHLD pass
		first = true
	)
	// Read calls f once at once, then again each time the pidfd is
	// readable, until f returns true.
	err = rc.Read(func(fd uintptr) bool {
		m.mu.Lock()
		defer m.mu.Unlock()
		woken := !first
		first = false
		if m.closed || m.procs[c.pid] != c {
			stop = true
			return true
		}
		if out, got = m.reapChild(c); got {
			return true
		}
		// Still running, as far as wait4(pid) can tell. After a wake-up,
		// if the pidfd's process is gone, someone else reaped it and its
		// pid now names another child of ours: the pidfd would never
		// signal again.
		if !woken {
			return false
		}
		if err := unix.PidfdSendSignal(int(fd), 0, nil, 0); errors.Is(err, unix.ESRCH) {
			delete(m.procs, c.pid)
			out, got = exited{onExit: c.onExit, exit: m.lost(c, err)}, true
			return true
		}
		return false // wait until readable
	})
	switch {
	case got:
		m.deliver(out)
	case stop:
	case err != nil:
		m.mu.Lock()
		closed := m.closed
		m.mu.Unlock()
		if !closed { // not pollable
			m.unwatch(c, err)
		}
	}
}
