//go:build unix

package runstate

import "syscall"

// openCheckFlags are the flags of openNoWait's open.
const openCheckFlags = syscall.O_NOFOLLOW | syscall.O_NONBLOCK
