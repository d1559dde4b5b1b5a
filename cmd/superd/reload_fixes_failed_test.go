//go:build linux

package main

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// `supers reload` restarts a changed service with its new configuration
// (README: "changed ones restart with their new configuration"), and that
// holds for a service that failed too: one waiting in backoff, one that
// gave up (fatal: its start limit reached) and one whose program could not
// be executed (exec-failed) are wanted running, so once their files are
// fixed and reloaded each runs its new ExecStart=. Without
// StateBackoff, StateFatal and StateExecFailed among the states a reload
// takes for "wanted running" (servicesActor.retire), the fixed services
// were replaced stopped, and stayed so until started by hand.
func TestReloadFixesFailedServices(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{
		// Fails at once; its next attempt is most of an hour away (RestartSec=1h, jittered).
		"looping.service": "[Service]\nExecStart=/bin/false\nRestart=always\nRestartSec=1h\n",
		// Fails at once; its restart would be a second start: over the limit.
		"doomed.service": "[Service]\nExecStart=/bin/false\nRestart=always\nRestartSec=0\nStartLimitBurst=1\nStartLimitIntervalSec=10min\n",
		// Cannot be executed, and is not retried.
		"missing.service": "[Service]\nExecStart=/nonexistent/prog\nRestart=no\n",
	}).start()
	failed := []struct{ name, state string }{{"looping", "backoff"}, {"doomed", "fatal"}, {"missing", "exec-failed"}}
	for _, f := range failed {
		waitFor(t, 10*time.Second, f.name+" "+f.state, func() bool { return d.status(f.name).State == f.state })
	}

	for _, f := range failed {
		d.writeFile(f.name+".service", "[Service]\nExecStart=/bin/sleep 1001\n")
	}
	out := d.mustCLI("reload")
	for _, f := range failed {
		if !strings.Contains(out, f.name) {
			t.Errorf("supers reload does not name %s as changed:\n%s", f.name, out)
		}
	}
	for _, f := range failed {
		name := f.name
		waitFor(t, 10*time.Second, name+" (was "+f.state+") running sleep 1001 after the reload", func() bool {
			st, err := d.client.Status(t.Context(), name)
			if err != nil {
				return false // being replaced
			}
			d.track(st.PID)
			if st.State != "running" || st.PID <= 0 {
				return false
			}
			cmd, _ := os.ReadFile("/proc/" + strconv.Itoa(st.PID) + "/cmdline")
			return string(cmd) == "/bin/sleep\x00"+"1001\x00"
		})
	}
}
