package main

import (
	"strings"
	"testing"
)

// The hint of a stop still under way after --timeout holds for a service
// with TimeoutStopSec=infinity too, which no timeout bounds: it said that
// superd answers within the service's TimeoutStopSec, and so to wait, when
// only a signal (or its processes' own exit) ends such a stop.
func TestStillStoppingHintCoversInfinity(t *testing.T) {
	r := runAgainst(t, startDaemon(t, slowStop{fixture()}), "--timeout", "100ms", "stop", "web")
	for _, want := range []string{"stop web: still stopping after 100ms", "within its TimeoutStopSec", "TimeoutStopSec=infinity, only once its processes exit", `"supers signal web KILL"`} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr %q; want it to contain %q", r.stderr, want)
		}
	}
	if r.code != exitError {
		t.Errorf("exit code %d; want %d", r.code, exitError)
	}
}
