//go:build unix && !linux

package config

import "os"

// foreignHolder cannot tell who holds a lock here (flock.Holder knows
// none): every lock counts as another supervisor's.
func foreignHolder(int, *os.File) string { return "" }
