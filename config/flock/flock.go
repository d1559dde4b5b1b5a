// Package flock takes the exclusive advisory locks (flock(2)) that keep
// two supervisors off the same config dir, control socket or state file,
// and tells who holds one. It is plain Go with no dependency in the
// module, so that config, transport and actors/runstate share it.
package flock

import "errors"

// ErrLocked is wrapped by the error of TryLock when another open file
// description holds the lock.
var ErrLocked = errors.New("lock held by another process")
