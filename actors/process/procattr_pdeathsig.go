//go:build linux || freebsd

package process

import "syscall"

// sysProcAttr puts the child in a new session (so in its own process
// group, and without superd's controlling terminal, which a service run as
// another user could otherwise read or type into), kills it if the spawner
// thread dies, and applies cred (which may be nil).
func sysProcAttr(cred *syscall.Credential) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{
		Setsid:     true,
		Pdeathsig:  syscall.SIGKILL,
		Credential: cred,
	}
}
