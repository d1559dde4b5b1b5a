package process

import (
	"syscall"
	"testing"
)

// A real-time signal is named as config.NormalizeSignal names it
// (SIGRTMIN+N, from glibc's SIGRTMIN, 34), both ways: a service killed by
// one was shown "exited (signal SIG37)", and none could be sent, nor named
// in SuccessExitStatus= or KillSignal=.
func TestRealTimeSignals(t *testing.T) {
	for name, want := range map[string]syscall.Signal{"SIGRTMIN": 34, "SIGRTMIN+3": 37, "SIGRTMIN+30": 64} {
		if got, err := SignalNumber(name); err != nil || got != want {
			t.Errorf("SignalNumber(%q) = %v, %v; want %d", name, got, err, want)
		}
		if got := signalName(want); got != name {
			t.Errorf("signalName(%d) = %q, want %q", want, got, name)
		}
	}
	m := newManager(t, Options{})
	p := start(t, m, Spec{Argv: []string{"sleep", "60"}})
	if err := SignalGroup(p.PGID, "SIGRTMIN+3"); err != nil {
		t.Fatalf("SignalGroup: %v", err)
	}
	if e := p.wait(t); e.Code != -1 || e.Signal != "SIGRTMIN+3" {
		t.Fatalf("exit = %+v, want code -1, signal SIGRTMIN+3", e)
	}
}
