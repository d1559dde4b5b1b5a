//go:build !linux

package runstate

import "errors"

// bootID is unsupported without /proc: it returns [errors.ErrUnsupported].
func bootID() (string, error) { return "", errors.ErrUnsupported }

// inspect is unsupported without /proc: it returns [errors.ErrUnsupported].
func inspect(int) (procInfo, error) { return procInfo{}, errors.ErrUnsupported }
