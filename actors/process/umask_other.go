//go:build unix && !linux

package process

import (
	"errors"
	"fmt"
	"io/fs"
)

// threadUmask: outside Linux a thread cannot have a umask of its own, and
// setting the process's around a fork would change the mode of the files
// other goroutines create meanwhile, so a Spec with a UMask fails.
type threadUmask struct{}

func (*threadUmask) set(want *fs.FileMode) error {
	if want != nil {
		return fmt.Errorf("%w on this system", errors.ErrUnsupported)
	}
	return nil
}

func (*threadUmask) followDir() error { return nil }
