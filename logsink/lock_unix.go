//go:build unix

package logsink

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/supers-dev/supers/config/flock"
)

// How long, and how often, lockDir tries again a lock that this very
// process holds: a Sink's lock is released at the end of its Close, but a
// child forked at that moment by another goroutine holds a copy of the
// descriptor until it runs its program.
const (
	ownLockWait = 500 * time.Millisecond
	ownLockPoll = 5 * time.Millisecond
)

// lockDir takes an exclusive flock on dir, a service's log directory, and
// returns the directory held open with it: two supervisors that write the
// same service's logs (two superd given one --log-dir, each with a service
// of that name) would interleave their output in one file and rotate it
// under each other. Another process's lock fails with an error wrapping
// ErrDirInUse that names its PID where the system tells it; one of this
// process is waited for up to ownLockWait (see there), then fails the same
// way (two supervisors of one program on the same log dir).
//
// Where no lock can be taken (a directory that cannot be opened now, a
// file system without flock), it returns nil and no error: the lock is a
// guard, not a condition of logging. Nor does it refuse a lock held by a
// process that cannot be a supervisor of the directory (see
// flock.Foreign): whoever may read the directory can lock it, and would
// otherwise keep the service from running.
func lockDir(dir string) (*os.File, error) {
	deadline := time.Now().Add(ownLockWait)
	for {
		f, holder, err := tryLockDir(dir)
		if !errors.Is(err, ErrDirInUse) || holder != os.Getpid() || !time.Now().Before(deadline) {
			return f, err
		}
		time.Sleep(ownLockPoll)
	}
}

// tryLockDir is one try of lockDir; when another holds the lock, it also
// returns the PID of the holder (0 if unknown).
func tryLockDir(dir string) (*os.File, int, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, 0, nil
	}
	err = flock.TryLock(f)
	if err == nil {
		return f, 0, nil
	}
	if !errors.Is(err, flock.ErrLocked) {
		_ = f.Close() // no flock here: nothing to guard with
		return nil, 0, nil
	}
	holder := flock.Holder(dir)
	if holder == 0 || flock.Foreign(holder, f) != "" {
		// Released between the two looks, or held by a process that
		// cannot supervise the directory: once more, then without it.
		if err = flock.TryLock(f); err == nil {
			return f, 0, nil
		}
		if holder != 0 {
			_ = f.Close()
			return nil, 0, nil
		}
	}
	_ = f.Close()
	if holder > 0 {
		return nil, holder, fmt.Errorf("log directory %s: %w (pid %d holds its lock)", dir, ErrDirInUse, holder)
	}
	return nil, 0, fmt.Errorf("log directory %s: %w", dir, ErrDirInUse)
}
