//go:build !linux

package process

import "errors"

// ProcStartTime is only supported on Linux; elsewhere it returns 0 and
// [errors.ErrUnsupported].
func ProcStartTime(int) (uint64, error) {
	return 0, errors.ErrUnsupported
}
