//go:build !unix

package pathsafe

import (
	"io/fs"
	"os"
)

// MakeDirs makes dir and those of its ancestors that do not exist, as
// os.MkdirAll does (there are no owners to guard against here).
func MakeDirs(dir string, perm fs.FileMode) error { return os.MkdirAll(dir, perm) }
