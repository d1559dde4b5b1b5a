//go:build !linux

package flock

// Holder returns 0: only Linux tells who holds a lock (/proc/locks).
func Holder(string) int { return 0 }

// HolderKnown is false: Holder cannot tell who holds a lock on this system.
const HolderKnown = false
