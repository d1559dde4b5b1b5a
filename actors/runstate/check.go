package runstate

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/supers-dev/supers/config/flock"
)

// Check reports what would make [Open] refuse the state file at path,
// without locking, reading or writing anything: a state file that is not a
// regular file, that another user may have written or that this process
// may not open (one root left, to a superd run as another user), or a lock
// file (path+".lock") that is not a regular file of root or of this
// process's effective user, or that it may not open. A missing file is no
// problem (Open starts afresh, or creates the lock). It is for a check
// before a start (superd --check); the errors are Open's. The directory
// is checked as Open checks it (another user, or the members of another
// group, could change it), or if it does not exist yet, the nearest
// ancestor that does, under which it would be made; superd also checks it
// as its control socket's.
func Check(path string) error {
	var errs []error
	if dir := existingDir(filepath.Dir(path)); dir != "" {
		if err := checkDir(dir); err != nil {
			errs = append(errs, err)
		}
	}
	if fi, err := os.Lstat(path); err == nil {
		if !fi.Mode().IsRegular() {
			errs = append(errs, fmt.Errorf("runstate: state file %s is a %s, not a regular file; refusing to use it (remove it)", path, fileKind(fi.Mode())))
		} else if err := checkOwner(path, fi); err != nil {
			errs = append(errs, err)
		} else if f, err := openNoWait(path); err != nil {
			errs = append(errs, fmt.Errorf("runstate: read state file: %w", err))
		} else {
			_ = f.Close()
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		errs = append(errs, fmt.Errorf("runstate: read state file: %w", err))
	}
	if err := flock.Check(path + ".lock"); err != nil {
		errs = append(errs, fmt.Errorf("runstate: %w", err))
	}
	return errors.Join(errs...)
}

// existingDir returns dir if it is a directory, else the nearest of its
// ancestors that is (the one under which superd would create it, and
// whose own checks the new one would fail), else "".
func existingDir(dir string) string {
	for {
		if dirExists(dir) {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// dirExists reports whether dir is a directory (through links).
func dirExists(dir string) bool {
	fi, err := os.Stat(dir)
	return err == nil && fi.IsDir()
}

// openNoWait opens the state file at path for reading as Check needs it:
// not through a symlink, and without waiting for a writer should it have
// been swapped for a FIFO since its Lstat.
func openNoWait(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|openCheckFlags, 0)
}
