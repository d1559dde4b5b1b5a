package actors

import (
	"testing"
	"testing/synctest"
	"time"
)

// A start or restart that reaches a service actor while it handles a crash
// of its process (so it lands in the mailbox the crash suspends) is carried
// out at once, as systemd starts a unit waiting for its automatic restart:
// it must not wait for the backoff the crash would get (RestartSec=, up to
// RestartMaxDelaySec=), longer than the CLI's timeout. It counts as the
// restart it stands for.
func TestStartOrRestartRacingACrashIsNotDelayedByBackoff(t *testing.T) {
	for _, tc := range []struct {
		name string
		cmd  func(reply replyTo) any
	}{
		{"restart", func(r replyTo) any { return &restartService{name: svcName, reply: r} }},
		{"start", func(r replyTo) any { return &startService{name: svcName, reply: r} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				reply := make(chan result, 1)
				h, _, _, sent := crashWithCommands(t, tc.cmd(reply))
				r := answeredAtOnce(t, reply, sent, tc.name)
				if r.err != nil || r.status.State != StateRunning {
					t.Fatalf("%s answered %+v, %v; want running", tc.name, r.status, r.err)
				}
				p := h.takeStart()
				st := h.wantState(StateRunning, 0)
				if st.PID != p.pid {
					t.Fatalf("running pid %d, want %d", st.PID, p.pid)
				}
				// In place of the automatic restart, it counts as one
				// (transport.ServiceStatus.Restarts), as either would have.
				if st.Restarts != 1 || r.status.Restarts != 1 {
					t.Fatalf("restarts %d (answer %d) after a crash and a %s carried out at once, want 1", st.Restarts, r.status.Restarts, tc.name)
				}
				h.noStart(time.Hour) // no second start when the backoff would have ended
				if n := h.procs.count(); n != 2 {
					t.Fatalf("%d starts, want 2", n)
				}
			})
		})
	}
}
