package actors

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/supers-dev/supers/actors/process"
	"github.com/supers-dev/supers/config"
)

// TestRestartRacingACrashIsCounted: a restart that reaches the
// service actor while it handles a crash is carried out at once, in place
// of the automatic restart (whose event says delay 0): it counts as a
// restart, as either would have (transport.ServiceStatus.Restarts).
func TestRestartRacingACrashIsCounted(t *testing.T) {
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
				p.onExit(process.Exit{PID: p.pid, Code: 1, Time: time.Now()})
				<-sigs.entered // the service actor is handling the crash
				reply := make(chan result, 1)
				h.sys.Root.Send(h.services, tc.cmd(reply))
				synctest.Wait()
				close(sigs.gate)
				r := <-reply
				if r.err != nil || r.status.State != StateRunning {
					t.Fatalf("%s answered %+v, %v; want running", tc.name, r.status, r.err)
				}
				h.takeStart()
				if st := h.wantState(StateRunning, 0); st.Restarts != 1 || r.status.Restarts != 1 {
					t.Fatalf("restarts %d (answer %d) after a crash and a %s carried out at once, want 1", st.Restarts, r.status.Restarts, tc.name)
				}
			})
		})
	}
}
