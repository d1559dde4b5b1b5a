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
//
// A symlink at that name is not followed: planted in a shared (sticky)
// directory, it would have superd create, as root, a file where its owner
// chose. A lock file of another user is refused: its owner could hold the
// lock and keep superd from starting.
func lockState(path string) (*os.File, error) {
	f, err := os.OpenFile(path+".lock", os.O_RDWR|os.O_CREATE|syscall.O_CLOEXEC|syscall.O_NOFOLLOW, 0o600)
	if errors.Is(err, syscall.ELOOP) {
		return nil, fmt.Errorf("runstate: lock file %s is a symlink; refusing to follow it (remove it)", path+".lock")
	}
	if err != nil {
		return nil, fmt.Errorf("runstate: lock: %w", err)
	}
	if err := ownLock(f); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("runstate: lock file %s: %w", path+".lock", err)
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

// ownLock checks that the open lock file f is a regular file of root or of
// this process's effective user, and makes it mode 0600.
func ownLock(f *os.File) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("is a %s, not a regular file (remove it)", fileKind(fi.Mode()))
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		if uid := int(st.Uid); uid != 0 && uid != os.Geteuid() {
			return fmt.Errorf("belongs to uid %d, not to root or uid %d: its owner could hold the lock and keep superd from starting (remove it)", uid, os.Geteuid())
		}
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return f.Chmod(0o600)
	}
	return nil
}
