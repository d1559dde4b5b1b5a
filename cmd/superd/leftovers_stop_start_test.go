//go:build linux

package main

import (
	"strings"
	"testing"
)

// A stop, then a start of the same service, given while superd stops
// what a crashed superd left, start it once: it is created stopped, the
// stop finds it so, and the start starts it. The start took the stop
// back, so the service was created running, and the stop, carried out
// all the same, SIGTERMed it 2 ms later before the start started it
// again: a one-shot job ran twice, the first run cut short.
func TestStopThenStartDuringLeftoversStartsOnce(t *testing.T) {
	t.Parallel()
	p := startLeftoversPhase(t, map[string]string{"job": ""})
	for _, args := range [][]string{{"stop", "job"}, {"start", "job"}} {
		_, stderr, code := p.cli(append([]string{"--timeout", "1s"}, args...)...)
		if code == 0 || !strings.Contains(stderr, "not done within 1s: superd is starting") {
			t.Fatalf("supers --timeout 1s %s while superd stops leftovers: exit %d, %q; want not done", strings.Join(args, " "), code, stderr)
		}
	}
	p.end()
	// A command given now reaches job after those given before superd
	// was ready: once it is answered, both were carried out.
	p.mustCLI("signal", "job", "CONT")
	st := p.waitRunning("job")
	if st.LastExit != nil || st.Restarts != 0 {
		t.Errorf("job after a stop, then a start, before superd was ready: last exit %+v, restarts %d; want its only process running", st.LastExit, st.Restarts)
	}
	if events := p.mustCLI("events", "--service", "job"); strings.Count(events, " start ") != 1 || strings.Contains(events, " stop ") || strings.Contains(events, " exit ") {
		t.Errorf("job's events:\n%s\nwant one start, no exit or stop", events)
	}
	if ran := p.ran("job"); strings.Count(ran, "\n") > 1 {
		t.Errorf("job ran %d times; want once", strings.Count(ran, "\n"))
	}
}
