//go:build unix && !linux

package process

import "syscall"

// rtSignalNumber knows no real-time signal here: their numbers are
// Linux's.
func rtSignalNumber(string) (syscall.Signal, bool) { return 0, false }

// rtSignalName knows no real-time signal here.
func rtSignalName(syscall.Signal) (string, bool) { return "", false }
