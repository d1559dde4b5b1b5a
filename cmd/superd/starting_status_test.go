//go:build linux

package main

import (
	"strings"
	"testing"
)

// TestStatusWhileStoppingLeftoversSaysSo: while superd's start stops what
// a crashed superd left (up to their TimeoutStopSec=), a status query is
// answered at once with the reason. It waited for the start, and supers
// ended with "no answer from superd … within 30s (see --timeout)".
func TestStatusWhileStoppingLeftoversSaysSo(t *testing.T) {
	t.Parallel()
	next := stoppingLeftovers(t)
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
