package actors

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/supers-dev/supers/actors/process"
	"github.com/supers-dev/supers/config"
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
				procs := newFakeStarter(nil)
				sigs := &gatedSignals{pgid: 100001, entered: make(chan struct{}), gate: make(chan struct{})}
				h := newGatedHarness(t, procs, service(t, config.RestartAlways, func(s *config.Service) {
					s.Restart.Delay = 20 * time.Second
					s.Restart.MaxDelay = time.Minute
				}), sigs)
				p := h.nextStart(time.Second)
				if p.pid != sigs.pgid {
					t.Fatalf("first process has pid %d, want %d", p.pid, sigs.pgid)
				}

				p.onExit(process.Exit{PID: p.pid, Code: 1, Time: time.Now()})
				<-sigs.entered // the service actor is handling the crash
				reply := make(chan result, 1)
				sent := time.Now()
				h.sys.Root.Send(h.services, tc.cmd(reply))
				synctest.Wait() // routed: the command waits in the service actor's mailbox
				close(sigs.gate)

				var r result
				select {
				case r = <-reply:
					if waited := time.Since(sent); waited != 0 {
						t.Fatalf("the %s was answered after %v, want at once", tc.name, waited)
					}
					if r.err != nil || r.status.State != StateRunning {
						t.Fatalf("%s answered %+v, %v; want running", tc.name, r.status, r.err)
					}
				case <-time.After(time.Hour):
					t.Fatalf("the %s was never answered", tc.name)
				}
				p = h.takeStart()
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
				if n := procs.count(); n != 2 {
					t.Fatalf("%d starts, want 2", n)
				}
			})
		})
	}
}
