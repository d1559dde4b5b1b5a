//go:build linux

package main

import (
	"strings"
	"testing"
	"time"
)

// TestStatusWhileStoppingLeftoversSaysSo: while superd's start stops what
// a crashed superd left (up to their TimeoutStopSec=), a status query is
// answered at once with the reason. It waited for the start, and supers
// ended with "no answer from superd … within 30s (see --timeout)".
func TestStatusWhileStoppingLeftoversSaysSo(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{
		// Its sleep ignores SIGTERM and outlives superd: the next superd's
		// start waits for it, up to TimeoutStopSec.
		"b.service": "[Service]\nExecStart=/bin/sh -c 'trap \"\" TERM; sleep 1000 & echo $!; wait'\nTimeoutStopSec=60\n",
	}).start()
	d.waitRunning("b")
	d.loggedPID("b") // the sleep is there
	_ = d.cmd.Process.Kill()
	<-d.exited

	next := &daemon{t: t, dir: d.dir, logDir: d.logDir, socket: d.socket, client: d.client, seenPIDs: map[int]bool{}}
	next.launch()
	waitFor(t, 20*time.Second, "superd stops what its predecessor left", func() bool {
		return strings.Contains(next.stderr.String(), "stopping a process left by a previous superd")
	})
	for _, args := range [][]string{{"status"}, {"status", "b"}} {
		_, stderr, code := next.cli(append([]string{"--timeout", "15s"}, args...)...)
		t.Logf("supers %s: exit %d: %s", strings.Join(args, " "), code, stderr)
		if code == 0 || !strings.Contains(stderr, "superd is starting: it is stopping the processes a previous superd left") {
			t.Errorf("supers %s while superd stops leftovers: exit %d, %q; want the reason", strings.Join(args, " "), code, stderr)
		}
	}
	if err := next.terminate(); err != nil {
		t.Fatalf("superd's exit: %v\n%s", err, next.stderr.String())
	}
}
