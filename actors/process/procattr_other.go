//go:build unix && !linux && !freebsd

package process

import "syscall"

// sysProcAttr puts the child in its own process group and applies cred
// (which may be nil). This platform has no parent-death signal.
func sysProcAttr(cred *syscall.Credential) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{
		Setpgid:    true,
		Credential: cred,
	}
}
