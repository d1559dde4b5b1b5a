//go:build unix

package config

import "syscall"

// openNoBlock is the flag with which readFile opens a file, so that a FIFO
// put in its place does not block the open (it waits for a writer
// otherwise); readFile then refuses anything but a regular file.
const openNoBlock = syscall.O_NONBLOCK
