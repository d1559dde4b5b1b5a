//go:build unix

package process

import (
	"testing"

	"golang.org/x/sys/unix"
)

// TestChildLeadsItsOwnSession checks that every child starts a new session
// (as systemd's services do), not just a new process group in superd's. In
// superd's session a child run as another user shares superd's controlling
// terminal: it can open /dev/tty, read what is typed there, or push input
// into root's shell with TIOCSTI.
func TestChildLeadsItsOwnSession(t *testing.T) {
	m := newManager(t, Options{Logger: discardLogger()})
	p := start(t, m, Spec{Argv: []string{"sleep", "60"}})
	sid, err := unix.Getsid(p.PID)
	if err != nil {
		t.Fatalf("getsid(%d): %v", p.PID, err)
	}
	if sid != p.PID {
		t.Errorf("child %d is in session %d, want its own (our session: %d)", p.PID, sid, mustGetsid(t))
	}
	if pgid, err := unix.Getpgid(p.PID); err != nil || pgid != p.PGID {
		t.Errorf("child %d: process group %d (%v), want %d", p.PID, pgid, err, p.PGID)
	}
}

func mustGetsid(t *testing.T) int {
	t.Helper()
	sid, err := unix.Getsid(0)
	if err != nil {
		t.Fatal(err)
	}
	return sid
}
