//go:build unix

package process

import (
	"errors"
	"fmt"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// SignalGroup sends the signal named sig (such as "SIGTERM") to every
// process of the group pgid. If the group no longer exists the error wraps
// [ErrNoProcess]. pgid must be greater than 1.
func SignalGroup(pgid int, sig string) error {
	if pgid <= 1 {
		// kill(-1) would signal every process we may signal.
		return fmt.Errorf("process: signal process group %d: invalid process group id", pgid)
	}
	s, err := SignalNumber(sig)
	if err != nil {
		return err
	}
	if err := syscall.Kill(-pgid, s); err != nil {
		if errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("process: signal process group %d: %w", pgid, ErrNoProcess)
		}
		return fmt.Errorf("process: signal %s to process group %d: %w", sig, pgid, err)
	}
	return nil
}

// GroupExists reports whether the process group pgid still has a member
// (a zombie not yet reaped counts).
func GroupExists(pgid int) bool {
	if pgid <= 1 {
		return false
	}
	err := syscall.Kill(-pgid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// SignalNumber returns the signal with the canonical name name, such as
// "SIGTERM". The error wraps [ErrUnknownSignal].
func SignalNumber(name string) (syscall.Signal, error) {
	if s := unix.SignalNum(name); s != 0 {
		return s, nil
	}
	if s, ok := rtSignalNumber(name); ok {
		return s, nil
	}
	return 0, fmt.Errorf("process: %w %q", ErrUnknownSignal, name)
}

// signalName returns the canonical name of s, such as "SIGKILL".
func signalName(s syscall.Signal) string {
	if name := unix.SignalName(s); name != "" {
		return name
	}
	if name, ok := rtSignalName(s); ok {
		return name
	}
	return "SIG" + strconv.Itoa(int(s))
}
