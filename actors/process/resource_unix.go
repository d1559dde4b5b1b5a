//go:build unix

package process

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// errnoName returns the symbolic name of e, such as "EMFILE".
func errnoName(e syscall.Errno) string {
	if name := unix.ErrnoName(e); name != "" {
		return name
	}
	return e.Error()
}
