//go:build unix

package flock

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// TryLock takes an exclusive flock on f without waiting (retrying when a
// signal interrupts it). The lock lasts until every descriptor of f's open
// file description is closed. When another holds it, the error wraps
// ErrLocked; other errors are the system's (a file system without flock).
func TryLock(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, syscall.EINTR):
			continue
		case errors.Is(err, syscall.EWOULDBLOCK):
			return ErrLocked
		default:
			return fmt.Errorf("flock %s: %w", f.Name(), err)
		}
	}
}
