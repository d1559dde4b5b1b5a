//go:build windows

package process

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// signals are the names SignalNumber knows on Windows.
var signals = map[string]syscall.Signal{
	"SIGHUP": syscall.SIGHUP, "SIGINT": syscall.SIGINT, "SIGQUIT": syscall.SIGQUIT,
	"SIGILL": syscall.SIGILL, "SIGTRAP": syscall.SIGTRAP, "SIGABRT": syscall.SIGABRT,
	"SIGBUS": syscall.SIGBUS, "SIGFPE": syscall.SIGFPE, "SIGKILL": syscall.SIGKILL,
	"SIGSEGV": syscall.SIGSEGV, "SIGPIPE": syscall.SIGPIPE, "SIGALRM": syscall.SIGALRM,
	"SIGTERM": syscall.SIGTERM,
}

// GroupExists reports whether the process group pgid still has a member.
// Windows has no process groups in the Unix sense: a service is only its
// leader, whose exit is seen directly, so it reports false.
func GroupExists(pgid int) bool { return false }

// SignalGroup terminates the process pgid. Windows has no signals and no
// process groups in the Unix sense: whatever sig names, only the group
// leader is terminated (TerminateProcess), not its descendants. If the
// process no longer exists the error wraps [ErrNoProcess].
func SignalGroup(pgid int, sig string) error {
	if pgid <= 0 {
		return fmt.Errorf("process: signal process group %d: invalid process group id", pgid)
	}
	if _, err := SignalNumber(sig); err != nil {
		return err
	}
	p, err := os.FindProcess(pgid)
	if err != nil {
		return fmt.Errorf("process: signal process group %d: %w: %w", pgid, ErrNoProcess, err)
	}
	defer p.Release()
	if err := p.Kill(); err != nil {
		if errors.Is(err, os.ErrProcessDone) {
			return fmt.Errorf("process: signal process group %d: %w", pgid, ErrNoProcess)
		}
		return fmt.Errorf("process: signal %s to process group %d: %w", sig, pgid, err)
	}
	return nil
}

// SignalNumber returns the signal with the canonical name name, such as
// "SIGTERM". The error wraps [ErrUnknownSignal].
func SignalNumber(name string) (syscall.Signal, error) {
	if s, ok := signals[name]; ok {
		return s, nil
	}
	return 0, fmt.Errorf("process: %w %q", ErrUnknownSignal, name)
}
