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

// OpenOwned opens the lock file at path for TryLock, creating it (mode
// 0600) if it is missing. Whoever can open a lock file can hold its lock,
// and a lock file can be a trap: a symlink at path is not followed (in a
// shared sticky directory it would have root create a file where its
// owner chose), and a file that is not regular, or that belongs to a user
// other than root and this process's effective user, is refused, naming
// what it is; one of ours that others may open is made mode 0600. The
// errors name path.
func OpenOwned(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_CLOEXEC|syscall.O_NOFOLLOW, 0o600)
	switch {
	case errors.Is(err, syscall.ELOOP):
		return nil, fmt.Errorf("lock file %s is a symlink; refusing to follow it (remove it)", path)
	case err != nil:
		return nil, fmt.Errorf("opening lock file %s: %w", path, err)
	}
	fi, err := f.Stat()
	if err == nil {
		err = ownLock(fi)
	}
	if err == nil && fi.Mode().Perm()&0o077 != 0 {
		err = f.Chmod(0o600)
	}
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("lock file %s: %w", path, err)
	}
	return f, nil
}

// ownLock refuses fi, an open lock file's, unless it is a regular file of
// root or of this process's effective user.
func ownLock(fi os.FileInfo) error {
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("is not a regular file (mode %v): remove it", fi.Mode().Type())
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		if uid := int(st.Uid); uid != 0 && uid != os.Geteuid() {
			return fmt.Errorf("belongs to uid %d, not to root or uid %d: its owner could hold the lock and keep superd from starting (remove it)", uid, os.Geteuid())
		}
	}
	return nil
}

// Check reports what would make OpenOwned refuse the lock file at path,
// without creating or locking it: a symlink, a file that is not regular,
// one of a user other than root and this process's effective user, or one
// this process may not open for writing (a lock file root left, to a
// superd run as another user). A missing file is no problem (OpenOwned
// creates it). The errors are OpenOwned's.
func Check(path string) error {
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("opening lock file %s: %w", path, err)
	case fi.Mode()&os.ModeSymlink != 0:
		return fmt.Errorf("lock file %s is a symlink; refusing to follow it (remove it)", path)
	}
	if err := ownLock(fi); err != nil {
		return fmt.Errorf("lock file %s: %w", path, err)
	}
	// A regular file: its open does not wait (O_NONBLOCK for one swapped
	// for a FIFO meanwhile), nor takes its lock.
	f, err := os.OpenFile(path, os.O_RDWR|syscall.O_CLOEXEC|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return fmt.Errorf("opening lock file %s: %w", path, err)
	}
	return f.Close()
}
