package config

import "testing"

// A signal the system does not have was accepted as KillSignal= and
// every stop then failed to send it, waiting TimeoutStopSec= for the
// SIGKILL: the real-time signals, SIGSTKFLT and SIGPWR outside Linux,
// and all but a few names on Windows.
func TestCheckSignalOn(t *testing.T) {
	for _, c := range []struct {
		goos, sig string
		ok        bool
	}{
		{"linux", "SIGRTMIN+3", true}, {"linux", "SIGSTKFLT", true}, {"linux", "SIGPWR", true},
		{"darwin", "SIGTERM", true}, {"darwin", "SIGUSR1", true}, {"darwin", "SIGWINCH", true},
		{"darwin", "SIGRTMIN", false}, {"darwin", "SIGRTMIN+3", false}, {"darwin", "SIGSTKFLT", false},
		{"freebsd", "SIGPWR", false}, {"freebsd", "SIGHUP", true},
		{"netbsd", "SIGPWR", true}, {"illumos", "SIGPWR", true}, {"netbsd", "SIGRTMIN+1", false},
		{"windows", "SIGTERM", true}, {"windows", "SIGKILL", true}, {"windows", "SIGUSR1", false},
	} {
		if err := checkSignalOn(c.goos, c.sig); (err == nil) != c.ok {
			t.Errorf("checkSignalOn(%s, %s) = %v, want ok %v", c.goos, c.sig, err, c.ok)
		}
	}
}
