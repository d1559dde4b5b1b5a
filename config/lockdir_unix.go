//go:build unix

package config

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/supers-dev/supers/config/flock"
)

// LockDir takes an exclusive advisory lock (flock) on the directory dir
// itself, without waiting, and returns what releases it. Two supervisors
// that load the same service files would run every service twice: the
// second one's LockDir fails with an error wrapping ErrDirInUse. No file is
// created, so a read-only directory can be locked too. A directory that
// cannot be opened (missing: it may be created later) is not locked, and
// is no error here; reading it reports the problem.
func LockDir(dir string) (io.Closer, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nopCloser{}, nil
	}
	switch err := flock.TryLock(f); {
	case errors.Is(err, flock.ErrLocked):
		_ = f.Close()
		if pid := flock.Holder(dir); pid > 0 {
			return nil, fmt.Errorf("config dir %s: %w (pid %d holds its lock)", dir, ErrDirInUse, pid)
		}
		return nil, fmt.Errorf("config dir %s: %w", dir, ErrDirInUse)
	case err != nil:
		// A file system without flock: nothing to guard with.
		_ = f.Close()
		return nopCloser{}, nil
	}
	return f, nil
}
