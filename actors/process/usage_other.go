//go:build !linux

package process

import (
	"context"
	"errors"
)

// ServiceUsage is only supported on Linux; elsewhere it returns
// [errors.ErrUnsupported].
func (m *Manager) ServiceUsage(context.Context, []UsageQuery) (map[int]Usage, error) {
	return nil, errors.ErrUnsupported
}
