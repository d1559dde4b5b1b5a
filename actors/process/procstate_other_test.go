//go:build unix && !linux

package process

// procState is unknown without /proc: gone falls back to kill(pid, 0).
func procState(int) (byte, bool) { return 0, false }
