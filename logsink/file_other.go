//go:build !unix

package logsink

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// oNoFollow is 0 where open has no such flag; O_EXCL still refuses to open an
// existing path, symlinks included.
const oNoFollow = 0

// mayNotWrite has no Unix permissions to check here: lumberjack's open
// reports a file it cannot write.
func mayNotWrite(string, os.FileInfo) error { return nil }

// checkDirTree has no Unix permissions to check here.
func checkDirTree(string) error { return nil }

// CheckLogDir returns nil: on this system, log directories are not checked
// (see the Unix version).
func CheckLogDir(string) error { return nil }

// CheckServiceDir returns nil: on this system, log directories are not
// checked (see the Unix version).
func CheckServiceDir(string) error { return nil }

// checkBeforeMake returns nil: on this system, log directories are not
// checked (see the Unix version).
func checkBeforeMake(string) error { return nil }

// makeDir is ensureDir without the safety check.
func makeDir(dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case err == nil && fi.IsDir():
		return nil
	case err == nil:
		return fmt.Errorf("log directory %s: not a directory", dir)
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("log directory: %w", err)
	}
	// One level at a time, rather than MkdirAll, so that each directory
	// created gets dirPerm whatever the umask.
	if parent := filepath.Dir(dir); parent != dir {
		if err := makeDir(parent); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, dirPerm); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil // created meanwhile, by someone else
		}
		return fmt.Errorf("create log directory: %w", err)
	}
	if err := os.Chmod(dir, dirPerm); err != nil { // Mkdir is subject to the umask
		return fmt.Errorf("create log directory: %w", err)
	}
	return nil
}
