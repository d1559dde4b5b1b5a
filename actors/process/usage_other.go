//go:build !linux

package process

import "errors"

// GroupUsage is only supported on Linux; elsewhere it returns
// [errors.ErrUnsupported].
func GroupUsage([]int) (map[int]Usage, error) {
	return nil, errors.ErrUnsupported
}
