//go:build unix && !linux

package process

import (
	"errors"
	"syscall"
)

// pidfdsWork reports whether the kernel gives pollable pidfds: only Linux
// does.
func pidfdsWork() bool { return false }

// requestPidfd does nothing: there are no pidfds on this platform.
func requestPidfd(*syscall.SysProcAttr, *int) {}

// watchExit is never called without pidfds; it hands c over to the SIGCHLD
// passes.
func (m *Manager) watchExit(c *child, _ int) {
	defer m.wg.Done()
	m.unwatch(c, errors.ErrUnsupported)
}
