//go:build unix

package runstate

import (
	"errors"
	"fmt"
	"os"

	"github.com/supers-dev/supers/config/flock"
)

// lockState takes an exclusive lock on path+".lock" (created if missing)
// without waiting, and returns the open lock file, whose closing releases
// it. The lock file stays: removing it would let two processes lock two
// different files of the same name.
//
// A symlink at that name is not followed: planted in a shared (sticky)
// directory, it would have superd create, as root, a file where its owner
// chose. A lock file of another user is refused: its owner could hold the
// lock and keep superd from starting.
func lockState(path string) (*os.File, error) {
	f, err := flock.OpenOwned(path + ".lock")
	if err != nil {
		return nil, fmt.Errorf("runstate: %w", err)
	}
	if err := flock.TryLock(f); err != nil {
		_ = f.Close()
		if errors.Is(err, flock.ErrLocked) {
			if pid := flock.Holder(path + ".lock"); pid > 0 {
				return nil, fmt.Errorf("%w: %s (pid %d holds its lock)", ErrInUse, path, pid)
			}
			return nil, fmt.Errorf("%w: %s", ErrInUse, path)
		}
		return nil, fmt.Errorf("runstate: lock %s: %w", path, err)
	}
	return f, nil
}
