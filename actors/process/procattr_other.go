//go:build unix && !linux && !freebsd

package process

import "syscall"

// sysProcAttr puts the child in a new session (so in its own process
// group, and without superd's controlling terminal) and applies cred (which
// may be nil). This platform has no parent-death signal.
func sysProcAttr(cred *syscall.Credential) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{
		Setsid:     true,
		Credential: cred,
	}
}
