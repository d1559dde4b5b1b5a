package main

import (
	"strings"
	"testing"
)

// status of several names against a superd that does not answer waited
// --timeout for each of them in turn: "status web db idle" took three
// times --timeout, each name then reported alone. A name left unanswered
// for --timeout ends the command, as a superd that cannot be reached does.
func TestStatusNamesStopAtAFrozenSuperd(t *testing.T) {
	fb := fixture()
	fb.block = true
	r := runAgainst(t, startDaemon(t, fb), "--timeout", "200ms", "status", "web", "db", "idle")
	if r.code != exitError || !strings.Contains(r.stderr, "status web: no answer from superd") {
		t.Errorf("code %d, stderr %q; want exit 1 and status web: no answer from superd", r.code, r.stderr)
	}
	fb.mu.Lock()
	defer fb.mu.Unlock()
	asked := 0
	for _, c := range fb.calls {
		if strings.HasPrefix(c, "status ") {
			asked++
		}
	}
	if asked != 1 {
		t.Errorf("superd was asked %d times (%q), each after the last one's --timeout; want once", asked, fb.calls)
	}
	if strings.Contains(r.stderr, "status db") || strings.Contains(r.stderr, "status idle") {
		t.Errorf("the names after the first were still asked and reported: %q", r.stderr)
	}
}
