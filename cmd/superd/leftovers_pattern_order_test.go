//go:build linux

package main

import (
	"strings"
	"testing"
	"time"
)

// A stop of --all given while superd stops what a crashed superd left
// has the last word over a start given before it, both clients giving
// up (--timeout), as a stop by name has: the stop only had db created
// stopped, and the start, carried out once superd was ready, started it
// for good, though supers said the stop would be carried out.
func TestStopAllDuringLeftoversComesAfterAnEarlierStart(t *testing.T) {
	t.Parallel()
	p := startLeftoversPhase(t, map[string]string{"db": "AutoStart=no\n", "web": ""})
	for _, args := range [][]string{{"start", "db"}, {"stop", "--all"}} {
		_, stderr, code := p.cli(append([]string{"--timeout", "1s"}, args...)...)
		if code == 0 || !strings.Contains(stderr, "not done within 1s: superd is starting") {
			t.Fatalf("supers --timeout 1s %s while superd stops leftovers: exit %d, %q; want not done", strings.Join(args, " "), code, stderr)
		}
	}
	p.end()
	// A command given now reaches db after those given before superd
	// was ready: once it is answered, both were carried out.
	p.cli("signal", "db", "CONT")
	waitFor(t, 10*time.Second, "db stopped", func() bool { return p.status("db").State == "stopped" })
	if st := p.status("web"); st.State != "stopped" {
		t.Errorf("web after supers stop --all: %s; want stopped", st.State)
	}
	if ran := p.ran("web"); ran != "" {
		t.Errorf("web ran though supers stop --all came before superd was ready")
	}
}
