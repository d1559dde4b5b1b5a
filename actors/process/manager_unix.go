//go:build unix

package process

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Manager starts child processes and reaps them. It owns two goroutines: the
// spawner, locked to its OS thread, which forks every child, and the reaper,
// which collects every exit status. Create it with [NewManager] and stop it
// with [Manager.Close]. Its methods are safe for concurrent use.
type Manager struct {
	log       *slog.Logger
	subreaper bool

	sigCh chan os.Signal    // SIGCHLD notifications, buffered
	reqs  chan spawnRequest // to the spawner
	done  chan struct{}     // closed by Close
	wg    sync.WaitGroup    // spawner and reaper
	once  sync.Once         // Close

	// mu makes fork+registration atomic with respect to a reap pass: the
	// spawner holds it from before fork until the pid is in procs, the
	// reaper holds it while calling wait4. There is a single spawner, so a
	// plain mutex is all the exclusion needed.
	mu    sync.Mutex
	procs map[int]func(Exit) // pid -> exit callback, for children not yet reaped
}

type spawnRequest struct {
	cmd    *exec.Cmd
	onExit func(Exit)
	reply  chan<- spawnResult
}

type spawnResult struct {
	handle Handle
	err    error
}

// NewManager starts the spawner and the reaper goroutines.
//
// With opts.Subreaper, on Linux it makes the process a child subreaper
// (failing if that is refused), and it marks every descriptor the process
// inherited close-on-exec, so that children get only fds 0-2. Without it,
// descriptors are left alone: an embedding program owns its descriptors, and
// any it opened without close-on-exec reach the children.
func NewManager(opts Options) (*Manager, error) {
	m := &Manager{
		log:       logger(opts.Logger),
		subreaper: opts.Subreaper,
		sigCh:     make(chan os.Signal, 1),
		reqs:      make(chan spawnRequest),
		done:      make(chan struct{}),
		procs:     make(map[int]func(Exit)),
	}
	if opts.Subreaper {
		if err := setSubreaper(true); err != nil {
			return nil, fmt.Errorf("process: become child subreaper: %w", err)
		}
		if !subreaperSupported {
			m.log.Warn("child subreaper not supported on this platform; orphaned descendants go to init")
		}
		if err := markInheritedCloseOnExec(); err != nil {
			m.log.Warn("inherited descriptors may leak into children", "err", err)
		}
	}
	// Subscribed before any child exists, so no SIGCHLD can be missed.
	signal.Notify(m.sigCh, syscall.SIGCHLD)
	m.wg.Add(2)
	go m.spawnLoop()
	go m.reapLoop()
	return m, nil
}

// Close stops the spawner and the reaper and, in subreaper mode, gives the
// subreaper role back. It must only be called once every child has exited
// and its exit callback has run: on Linux the spawner's thread exits, which
// SIGKILLs (Pdeathsig) every child still running, and exits after Close are
// never reported. Close is idempotent; later calls return nil.
func (m *Manager) Close() error {
	var err error
	m.once.Do(func() {
		close(m.done)
		m.wg.Wait()
		signal.Stop(m.sigCh)
		if m.subreaper {
			if e := setSubreaper(false); e != nil {
				err = fmt.Errorf("process: give up child subreaper: %w", e)
			}
		}
	})
	return err
}

// Start starts the process spec describes and returns once fork and exec
// have finished. A failure before the program ran is an *[ExecError].
//
// onExit (which may be nil) is called exactly once, on the reaper goroutine,
// when the process has exited; it must not block. It may be called before
// Start returns.
func (m *Manager) Start(spec Spec, onExit func(Exit)) (Handle, error) {
	cmd, err := newCmd(spec)
	if err != nil {
		return Handle{}, err
	}
	cred, err := resolveCredential(spec.User, spec.Group, os.Geteuid(), os.Getegid())
	if err != nil {
		return Handle{}, err
	}
	cmd.SysProcAttr = sysProcAttr(cred)
	if onExit == nil {
		onExit = func(Exit) {}
	}
	reply := make(chan spawnResult, 1)
	select {
	case m.reqs <- spawnRequest{cmd: cmd, onExit: onExit, reply: reply}:
	case <-m.done:
		return Handle{}, ErrClosed
	}
	// The spawner answers every request it accepted.
	res := <-reply
	return res.handle, res.err
}

// spawnLoop runs every fork on one locked OS thread, which Pdeathsig of the
// children is tied to. It never unlocks: when it returns, its thread exits.
func (m *Manager) spawnLoop() {
	defer m.wg.Done()
	runtime.LockOSThread()
	for {
		select {
		case req := <-m.reqs:
			req.reply <- m.spawn(req.cmd, req.onExit)
		case <-m.done:
			return
		}
	}
}

// spawn forks and execs cmd and registers its pid, atomically with respect
// to reaping.
func (m *Manager) spawn(cmd *exec.Cmd, onExit func(Exit)) spawnResult {
	m.mu.Lock()
	if err := cmd.Start(); err != nil {
		m.mu.Unlock()
		return spawnResult{err: execError(cmd.Path, err)}
	}
	pid := cmd.Process.Pid
	// Read while the child cannot have been reaped yet: even if it already
	// exited, its zombie keeps /proc/PID.
	startTime, stErr := ProcStartTime(pid)
	m.procs[pid] = onExit
	m.mu.Unlock()

	// Never Wait: the reaper reaps. Release drops Go's pidfd; signals go
	// to the process group with kill(2).
	_ = cmd.Process.Release()
	if stErr != nil && !errors.Is(stErr, errors.ErrUnsupported) {
		m.log.Warn("cannot read process start time", "pid", pid, "err", stErr)
	}
	m.log.Debug("child started", "pid", pid, "path", cmd.Path)
	return spawnResult{handle: Handle{PID: pid, PGID: pid, StartTime: startTime}}
}

// reapLoop runs a reap pass on every SIGCHLD until Close.
func (m *Manager) reapLoop() {
	defer m.wg.Done()
	m.reap() // children that exited before we subscribed (subreaper mode)
	for {
		select {
		case <-m.sigCh:
			m.reap()
		case <-m.done:
			return
		}
	}
}

// exited is an exit collected during a pass, delivered after it.
type exited struct {
	onExit func(Exit)
	exit   Exit
}

// reap collects every exit status available now and then runs the
// callbacks, outside the lock.
//
// SIGCHLD notifications coalesce, but the channel has room for one: a child
// that exits after this pass started leaves a notification behind, so it is
// collected by this pass or the next.
func (m *Manager) reap() {
	m.mu.Lock()
	var out []exited
	if m.subreaper {
		out = m.reapAll()
	} else {
		out = m.reapRegistered()
	}
	m.mu.Unlock()
	for _, e := range out {
		m.log.Debug("child exited", "pid", e.exit.PID, "status", e.exit.String())
		e.onExit(e.exit)
	}
}

// reapAll reaps every exited child of the process. m.mu must be held.
func (m *Manager) reapAll() []exited {
	var out []exited
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		switch {
		case errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.ECHILD):
			return out
		case err != nil:
			m.log.Error("wait4 failed", "err", err)
			return out
		case pid <= 0:
			return out // children remain, none has exited
		}
		exit, ok := exitOf(pid, ws)
		if !ok {
			continue // stopped or continued: not an exit
		}
		onExit, registered := m.procs[pid]
		if !registered {
			m.log.Debug("reaped orphaned descendant", "pid", pid, "status", exit.String())
			continue
		}
		delete(m.procs, pid)
		out = append(out, exited{onExit: onExit, exit: exit})
	}
}

// reapRegistered reaps the exited children this Manager started, and no
// other. m.mu must be held.
func (m *Manager) reapRegistered() []exited {
	var out []exited
	for pid, onExit := range m.procs {
		var ws unix.WaitStatus
		var wpid int
		var err error
		for {
			wpid, err = unix.Wait4(pid, &ws, unix.WNOHANG, nil)
			if !errors.Is(err, unix.EINTR) {
				break
			}
		}
		var exit Exit
		switch {
		case err != nil:
			// Someone else in the process waited for our child (or it is
			// not ours): its status is lost. Report the exit anyway so the
			// callback still runs exactly once.
			m.log.Error("exit status of child lost", "pid", pid, "err", err)
			exit = Exit{PID: pid, Code: -1, Time: time.Now()}
		case wpid == 0:
			continue // still running
		default:
			var ok bool
			if exit, ok = exitOf(pid, ws); !ok {
				continue
			}
		}
		delete(m.procs, pid)
		out = append(out, exited{onExit: onExit, exit: exit})
	}
	return out
}

// exitOf converts a wait status; ok is false if it is not a termination.
func exitOf(pid int, ws unix.WaitStatus) (e Exit, ok bool) {
	switch {
	case ws.Exited():
		return Exit{PID: pid, Code: ws.ExitStatus(), Time: time.Now()}, true
	case ws.Signaled():
		return Exit{PID: pid, Code: -1, Signal: signalName(ws.Signal()), Time: time.Now()}, true
	}
	return Exit{}, false
}
