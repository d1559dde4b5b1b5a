//go:build !linux || mips || mipsle || mips64 || mips64le

package process

// resetIgnoredCLibrarySignals does nothing here: the Go runtime handles
// every signal os/signal can, and the others are not known.
func resetIgnoredCLibrarySignals() error { return nil }
