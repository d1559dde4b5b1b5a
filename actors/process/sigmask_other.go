//go:build unix && !linux

package process

// clearSignalMask does nothing: outside Linux the children inherit the
// signal mask of the spawner thread, that is the one the process started
// with, less the signals the Go runtime needs.
func clearSignalMask() error { return nil }
