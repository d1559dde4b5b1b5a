package actors

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

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
				reply := make(chan result, 1)
				startReply := make(chan result, 1)
				cmds := []any{&signalService{name: svcName, signal: "SIGHUP", reply: reply}}
				if tc.startToo {
					cmds = append(cmds, &startService{name: svcName, reply: startReply})
				}
				h, sigs, p, sent := crashWithCommands(t, cmds...)
				r := answeredAtOnce(t, reply, sent, "signal")
				if !errors.Is(r.err, transport.ErrConflict) || !strings.Contains(r.err.Error(), "not running") || !strings.Contains(r.err.Error(), tc.want) {
					t.Fatalf("signal answered %v; want not running, %q", r.err, tc.want)
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
