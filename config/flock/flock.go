// Package flock takes the exclusive advisory locks (flock(2)) that keep
// two supervisors off the same config dir, control socket, state file or
// service log directory, and tells who holds one. It is plain Go with no
// dependency in the module, so that config, transport, logsink and
// actors/runstate share it.
package flock

import (
	"errors"
	"os"
)

// ErrLocked is wrapped by the error of TryLock when another open file
// description holds the lock.
var ErrLocked = errors.New("lock held by another process")

// StillAt reports whether f, a lock file held open, is still the file that
// path names: a directory removed with its files takes the lock file with
// it, and another process may then lock a new file of that name.
func StillAt(f *os.File, path string) bool {
	fi, err := os.Lstat(path)
	if err != nil {
		return false
	}
	held, err := f.Stat()
	return err == nil && os.SameFile(fi, held)
}
