package pathsafe

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// A DanglingLinkError is a symbolic link on a path, in place of a
// directory, whose target does not exist. Existing and MakeDirs refuse to
// take it as a missing directory: a mkdir of it fails (the name exists),
// and one of its target would make a directory where the link points, a
// place its owner chose but did not make; the link's own target is for
// its owner to create.
type DanglingLinkError struct {
	Link   string // the link's path
	Target string // where it points, made absolute (relative to Link's directory)
}

// Error names the link and its target, and what to do.
func (e *DanglingLinkError) Error() string {
	return fmt.Sprintf("%s is a symbolic link to %s, which does not exist: create it", e.Link, e.Target)
}

// Existing returns the nearest of path (made absolute) and its ancestors
// that exists, as the kernel finds it (through symlinks), with its
// FileInfo, and the names of the missing ones below it, nearest first:
// what a mkdir -p would make. err is the error of the look at dir when it
// is not a missing one (a permission refused); fi is then nil. A symbolic
// link whose target does not exist is not a missing one: dir is the link,
// and err a *DanglingLinkError.
func Existing(path string) (dir string, fi fs.FileInfo, missing []string, err error) {
	dir, err = filepath.Abs(path)
	if err != nil {
		return "", nil, nil, err
	}
	for {
		fi, err = os.Stat(dir)
		parent := filepath.Dir(dir)
		if !errors.Is(err, fs.ErrNotExist) || parent == dir {
			return dir, fi, missing, err
		}
		if lfi, lerr := os.Lstat(dir); lerr == nil && lfi.Mode()&fs.ModeSymlink != 0 {
			if target, rerr := os.Readlink(dir); rerr == nil {
				if !filepath.IsAbs(target) {
					target = filepath.Join(parent, target)
				}
				return dir, nil, missing, &DanglingLinkError{Link: dir, Target: target}
			}
		}
		missing = append(missing, filepath.Base(dir))
		dir = parent
	}
}
