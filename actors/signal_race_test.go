package actors

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/supers-dev/supers/actors/process"
	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/transport"
)

// A signal that reaches a service actor while it handles a crash of its
// process (so it lands in the mailbox the crash suspends) is answered at
// once, "not running", with what follows; it waited for the whole backoff
// (RestartSec=, up to RestartMaxDelaySec=, longer than the CLI's timeout).
// It reaches no process: neither the one that ended, nor the next one,
// after a restart at once (a start waiting behind it) or after the
// backoff.
func TestSignalRacingACrashIsAnsweredAtOnce(t *testing.T) {
	for _, tc := range []struct {
		name     string
		startToo bool   // a start waits behind the signal: restarted at once
		want     string // in the answer
	}{
		{"backoff", false, "restarting in 20s"},
		{"start behind it", true, "restarting now"},
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
				sent := time.Now()
				h.sys.Root.Send(h.services, &signalService{name: svcName, signal: "SIGHUP", reply: reply})
				startReply := make(chan result, 1)
				if tc.startToo {
					h.sys.Root.Send(h.services, &startService{name: svcName, reply: startReply})
				}
				synctest.Wait() // routed: they wait in the service actor's mailbox
				close(sigs.gate)

				select {
				case r := <-reply:
					if waited := time.Since(sent); waited != 0 {
						t.Fatalf("the signal was answered after %v, want at once", waited)
					}
					if !errors.Is(r.err, transport.ErrConflict) || !strings.Contains(r.err.Error(), "not running") || !strings.Contains(r.err.Error(), tc.want) {
						t.Fatalf("signal answered %v; want not running, %q", r.err, tc.want)
					}
				case <-time.After(time.Hour):
					t.Fatal("the signal was never answered")
				}
				if tc.startToo {
					if r := <-startReply; r.err != nil {
						t.Fatalf("start: %v", r.err)
					}
				}
				next := h.nextStart(time.Minute)
				h.wantState(StateRunning, 0)
				synctest.Wait()
				for _, pgid := range []int{p.pid, next.pid} {
					if got := sigs.to(pgid); slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, "SIGHUP") }) {
						t.Fatalf("the signal reached process group %d: %v", pgid, got)
					}
				}
			})
		})
	}
}
