//go:build windows

package process

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// Manager starts child processes and reports their exits. This Windows
// implementation is simple: one goroutine per child waits in cmd.Wait.
// Subreaper mode, user and group changes and the parent-death kill are not
// supported. Create it with [NewManager] and stop it with [Manager.Close].
// Its methods are safe for concurrent use.
type Manager struct {
	log *slog.Logger

	mu     sync.Mutex
	closed bool
	procs  map[int]*os.Process // running children
	wg     sync.WaitGroup      // one per waiter goroutine
}

// NewManager returns a Manager. opts.Subreaper is ignored on Windows.
func NewManager(opts Options) (*Manager, error) {
	m := &Manager{log: logger(opts.Logger), procs: make(map[int]*os.Process)}
	if opts.Subreaper {
		m.log.Warn("child subreaper not supported on Windows")
	}
	return m, nil
}

// Close refuses further starts, terminates the children still running (as
// the parent-death signal does on Linux) and waits for their waiter
// goroutines. It must only be called once every child has exited. Close is
// idempotent.
func (m *Manager) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	for _, p := range m.procs {
		_ = p.Kill()
	}
	m.mu.Unlock()
	m.wg.Wait()
	return nil
}

// Start starts the process spec describes and returns once it has been
// created. A failure before the program ran is an *[ExecError]. onExit
// (which may be nil) is called exactly once, from a waiter goroutine, when
// the process has exited; it must not block. It may be called before Start
// returns.
func (m *Manager) Start(spec Spec, onExit func(Exit)) (Handle, error) {
	if spec.User != "" {
		return Handle{}, &ExecError{Op: "user", Path: spec.User, Err: errors.ErrUnsupported}
	}
	if spec.Group != "" {
		return Handle{}, &ExecError{Op: "group", Path: spec.Group, Err: errors.ErrUnsupported}
	}
	if spec.UMask != nil {
		return Handle{}, &ExecError{Op: "umask", Path: fmt.Sprintf("%04o", *spec.UMask), Err: errors.ErrUnsupported}
	}
	cmd, err := newCmd(spec)
	if err != nil {
		return Handle{}, err
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: syscall.CREATE_NEW_PROCESS_GROUP}
	if onExit == nil {
		onExit = func(Exit) {}
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return Handle{}, ErrClosed
	}
	if err := cmd.Start(); err != nil {
		return Handle{}, execError(cmd.Path, err)
	}
	pid := cmd.Process.Pid
	m.procs[pid] = cmd.Process
	m.wg.Add(1)
	go m.wait(cmd, onExit)
	return Handle{PID: pid, PGID: pid}, nil
}

// wait waits for one child and reports its exit.
func (m *Manager) wait(cmd *exec.Cmd, onExit func(Exit)) {
	defer m.wg.Done()
	pid := cmd.Process.Pid
	err := cmd.Wait()
	exit := Exit{PID: pid, Code: -1, Time: time.Now()}
	if cmd.ProcessState != nil {
		exit.Code = cmd.ProcessState.ExitCode()
	} else {
		m.log.Error("wait for child failed", "pid", pid, "err", err)
	}
	m.mu.Lock()
	delete(m.procs, pid)
	m.mu.Unlock()
	onExit(exit)
}
