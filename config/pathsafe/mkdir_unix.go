//go:build unix

package pathsafe

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// MakeDirs makes dir and those of its ancestors that do not exist, each
// with mode perm whatever the umask, as os.MkdirAll would, but from a
// descriptor of the nearest existing one, one at a time, each opened
// without following a symlink before the next is made in it and before its
// chmod: a symlink put on the way meanwhile (in a sticky directory such as
// /tmp) fails the open instead of leading the mkdir or the chmod
// elsewhere. A directory made meanwhile by someone else is used as it is
// (the caller checks what it made). Check what exists of the path before
// (Walk), since the nearest existing directory is reached through it.
func MakeDirs(dir string, perm fs.FileMode) error {
	d, fi, missing, err := Existing(dir)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s: not a directory", d)
	}
	if len(missing) == 0 {
		return nil
	}
	// Opened for search only where the system can (O_PATH): making an
	// entry needs write and search permission, not read.
	fd, err := unix.Open(d, searchOnly|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open %s: %w", d, err)
	}
	defer func() { _ = unix.Close(fd) }()
	for i := len(missing) - 1; i >= 0; i-- {
		name := missing[i]
		d = filepath.Join(d, name)
		made := true
		if err := unix.Mkdirat(fd, name, uint32(perm.Perm())); errors.Is(err, unix.EEXIST) {
			made = false
		} else if err != nil {
			return fmt.Errorf("mkdir %s: %w", d, err)
		}
		if made {
			// Mkdirat is subject to the umask; the chmod goes through a
			// descriptor of what was made (its own: readable).
			if err := fchmodAt(fd, name, perm); err != nil {
				return fmt.Errorf("chmod %s: %w", d, err)
			}
		}
		next, err := unix.Openat(fd, name, searchOnly|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("open %s: %w", d, err)
		}
		_ = unix.Close(fd)
		fd = next
	}
	return nil
}

// fchmodAt gives the directory name in the directory dirfd mode perm,
// through a descriptor opened without following a symlink.
func fchmodAt(dirfd int, name string, perm fs.FileMode) error {
	fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	err = unix.Fchmod(fd, uint32(perm.Perm()))
	if cerr := unix.Close(fd); err == nil {
		err = cerr
	}
	return err
}
