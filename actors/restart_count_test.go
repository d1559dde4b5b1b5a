package actors

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/supers-dev/supers/config"
)

// A restart asked for while the service waits in backoff counts as a
// restart, as the automatic one it replaces would have, and as one of a
// running service does (transport.ServiceStatus.Restarts: "a start of a
// stopped or given-up service is not a restart"): it was not counted, so
// restarting a crashed service by hand left RESTARTS lower than waiting.
func TestRestartDuringBackoffIsCounted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		procs := newFakeStarter(nil)
		h := newHarness(t, procs, service(t, config.RestartOnFailure, func(s *config.Service) {
			s.Restart.Delay = 20 * time.Second
			s.Restart.MaxDelay = time.Minute
		}))
		p := h.nextStart(time.Second)
		h.crash(p, 1)
		h.wantState(StateBackoff, 20_000)
		r := h.ask(func(r replyTo) any { return &restartService{name: svcName, reply: r} })
		p = h.takeStart()
		if r.err != nil || r.status.State != StateRunning || r.status.PID != p.pid {
			t.Fatalf("restart in backoff answered %+v, %v; want running pid %d", r.status, r.err, p.pid)
		}
		if r.status.Restarts != 1 {
			t.Fatalf("restarts %d after a restart in backoff, want 1", r.status.Restarts)
		}
		if st := h.wantState(StateRunning, 0); st.Restarts != 1 {
			t.Fatalf("status shows %d restarts, want 1", st.Restarts)
		}

		// A restart of a stopped service is a start: not counted.
		if r := h.stop(); r.err != nil {
			t.Fatal(r.err)
		}
		r = h.ask(func(r replyTo) any { return &restartService{name: svcName, reply: r} })
		h.takeStart()
		if r.err != nil || r.status.Restarts != 1 {
			t.Fatalf("restart of a stopped service answered %+v, %v; want 1 restart still", r.status, r.err)
		}
	})
}
