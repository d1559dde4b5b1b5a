//go:build unix

package pathsafe

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// MayCreate reports whether this process may create a file at path:
// the directory that would hold it, or, if that is missing, the nearest
// existing directory above it (where the missing ones would be made), must
// let this process's effective user write and search it, on a file system
// mounted read-write. The error names that directory; nil if it cannot be
// told (a directory above that cannot be looked at, a path that is not a
// directory's: others report those).
func MayCreate(path string) error {
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return nil
	}
	for {
		fi, err := os.Stat(dir)
		if parent := filepath.Dir(dir); errors.Is(err, fs.ErrNotExist) && parent != dir {
			dir = parent
			continue
		}
		if err != nil || !fi.IsDir() {
			return nil
		}
		break
	}
	if err := unix.Faccessat(unix.AT_FDCWD, dir, unix.W_OK|unix.X_OK, unix.AT_EACCESS); err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	return nil
}
