//go:build linux || freebsd

package process

import "syscall"

// sysProcAttr puts the child in its own process group, kills it if the
// spawner thread dies, and applies cred (which may be nil).
func sysProcAttr(cred *syscall.Credential) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{
		Setpgid:    true,
		Pdeathsig:  syscall.SIGKILL,
		Credential: cred,
	}
}
