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

// exitPoller is Linux only; elsewhere the SIGCHLD passes find every exit.
type exitPoller struct{}

func newExitPoller() (*exitPoller, error) { return nil, errors.ErrUnsupported }
func (*exitPoller) stop()                 {}
func (*exitPoller) close()                {}

// watch is never called without pidfds.
func (m *Manager) watch(c *child, _ int) bool {
	c.watched = false
	return false
}

// pollExits is never started without pidfds.
func (m *Manager) pollExits() { m.wg.Done() }
