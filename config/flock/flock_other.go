//go:build !unix

package flock

import (
	"errors"
	"os"
)

// TryLock is not supported off Unix: it returns errors.ErrUnsupported.
func TryLock(*os.File) error { return errors.ErrUnsupported }

// OpenOwned is not supported off Unix: it returns errors.ErrUnsupported.
func OpenOwned(string) (*os.File, error) { return nil, errors.ErrUnsupported }

// Check has nothing to check off Unix, where OpenOwned is not supported.
func Check(string) error { return nil }
