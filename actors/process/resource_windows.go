//go:build windows

package process

import "syscall"

// errnoName returns a description of e (Windows has no errno names).
func errnoName(e syscall.Errno) string { return e.Error() }
