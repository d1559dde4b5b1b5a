//go:build unix

package runstate

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/supers-dev/supers/config/flock"
)

// lockWait bounds how long lockState tries again a lock that this process
// holds, or that no process holds any more once it looks (see lockState).
const lockWait = time.Second

// lockState takes an exclusive lock on path+".lock" (created if missing)
// without waiting, and returns the open lock file, whose closing releases
// it. The lock file stays: removing it would let two processes lock two
// different files of the same name.
//
// A symlink at that name is not followed: planted in a shared (sticky)
// directory, it would have superd create, as root, a file where its owner
// chose. A lock file of another user is refused: its owner could hold the
// lock and keep superd from starting.
//
// A lock that another process holds is refused at once. One that this
// process holds (as /proc/locks names it), or whose holder is gone by the
// time it looks, is tried again for up to lockWait: a child forked by this
// process (a service's, or any of a program embedding a Supervisor) holds
// a copy of every descriptor open at the fork until its exec closes them,
// so the lock of a Store closed a moment ago can outlive its Close that
// long, and the next Store of the same file would be refused. A second
// Store of this process, still open, is refused once lockWait is over.
func lockState(path string) (*os.File, error) {
	f, err := flock.OpenOwned(path + ".lock")
	if err != nil {
		return nil, fmt.Errorf("runstate: %w", err)
	}
	deadline := time.Now().Add(lockWait)
	for {
		err := flock.TryLock(f)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, flock.ErrLocked) {
			_ = f.Close()
			return nil, fmt.Errorf("runstate: lock %s: %w", path, err)
		}
		pid := flock.Holder(path + ".lock")
		if (pid == 0 || pid == os.Getpid()) && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
			continue
		}
		_ = f.Close()
		if pid > 0 {
			return nil, fmt.Errorf("%w: %s (pid %d holds its lock)", ErrInUse, path, pid)
		}
		return nil, fmt.Errorf("%w: %s", ErrInUse, path)
	}
}
