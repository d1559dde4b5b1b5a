package pathsafe

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// Existing returns the nearest of path (made absolute) and its ancestors
// that exists, as the kernel finds it (through symlinks), with its
// FileInfo, and the names of the missing ones below it, nearest first:
// what a mkdir -p would make. err is the error of the look at dir when it
// is not a missing one (a permission refused); fi is then nil.
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
		missing = append(missing, filepath.Base(dir))
		dir = parent
	}
}
