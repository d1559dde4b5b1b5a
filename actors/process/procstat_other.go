//go:build !linux

package process

import "errors"

// ProcStartTime is only supported on Linux; elsewhere it returns 0 and
// [errors.ErrUnsupported].
func ProcStartTime(int) (uint64, error) {
	return 0, errors.ErrUnsupported
}

// bootClock gives no start times on this platform.
type bootClock struct{}

func newBootClock() bootClock { return bootClock{} }

// now returns 0: the clock cannot be used.
func (bootClock) now() uint64 { return 0 }

// startTime returns 0 and [errors.ErrUnsupported].
func (bootClock) startTime(pid int, _, _ uint64) (uint64, error) { return ProcStartTime(pid) }
