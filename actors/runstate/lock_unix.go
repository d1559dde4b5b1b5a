//go:build unix

package runstate

import (
	"errors"
	"fmt"
	"os"
	"syscall"

	"github.com/supers-dev/supers/config/flock"
)

// lockState takes an exclusive lock on path+".lock" (created if missing)
// without waiting, and returns the open lock file, whose closing releases
// it. The lock file stays: removing it would let two processes lock two
// different files of the same name.
func lockState(path string) (*os.File, error) {
	f, err := os.OpenFile(path+".lock", os.O_RDWR|os.O_CREATE|syscall.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("runstate: lock: %w", err)
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
