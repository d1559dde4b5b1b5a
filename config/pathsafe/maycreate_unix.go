//go:build unix

package pathsafe

import (
	"errors"
	"fmt"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// MayCreate reports whether this process may create a file at path:
// the directory that would hold it, or, if that is missing, the nearest
// existing directory above it (where the missing ones would be made), must
// let this process's effective user write and search it, on a file system
// mounted read-write. The error names that directory; nil if it cannot be
// told (a directory above that cannot be looked at, a path that is not a
// directory's: others report those). A symbolic link on the way whose
// target does not exist fails it with a *DanglingLinkError: the missing
// directories could not be made through it (see Existing).
func MayCreate(path string) error {
	dir, fi, _, err := Existing(filepath.Dir(path))
	if dl := (*DanglingLinkError)(nil); errors.As(err, &dl) {
		return err
	}
	if err != nil || !fi.IsDir() {
		return nil
	}
	if err := unix.Faccessat(unix.AT_FDCWD, dir, unix.W_OK|unix.X_OK, unix.AT_EACCESS); err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	return nil
}
