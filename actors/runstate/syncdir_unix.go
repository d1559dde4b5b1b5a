//go:build unix

package runstate

import (
	"errors"
	"os"
	"syscall"
)

// syncDir flushes the directory dir, so that a rename in it is durable.
// Filesystems that cannot sync a directory (EINVAL) are accepted as they
// are.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if errors.Is(err, syscall.EINVAL) {
		err = nil
	}
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
