//go:build !linux

package process

import "errors"

// ServiceUsage is only supported on Linux; elsewhere it returns
// [errors.ErrUnsupported].
func (m *Manager) ServiceUsage([]UsageQuery) (map[int]Usage, error) {
	return nil, errors.ErrUnsupported
}
