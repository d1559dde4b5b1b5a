//go:build linux

package main

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
)

// The stops and starts given while superd stops what a crashed superd
// left survive a shutdown of that superd before it is ready, as they
// would after it: they are written to the state file as the operator's
// intents, a stop of a pattern for each service loaded that it matches,
// and the next superd keeps those services stopped and starts the one
// with AutoStart=no. They were lost: supers was told the commands would
// be carried out, and the next superd started web.
func TestLeftoversCommandsSurviveAShutdownBeforeReady(t *testing.T) {
	t.Parallel()
	p := startLeftoversPhase(t, map[string]string{"web": "", "job": "AutoStart=no\n", "api-1": "", "api-2": "", "db": "", "other": ""})
	for _, args := range [][]string{{"stop", "web"}, {"start", "job"}, {"stop", "api-*"}, {"stop", "db"}} {
		_, stderr, code := p.cli(append([]string{"--timeout", "1s"}, args...)...)
		if code == 0 || !strings.Contains(stderr, "not done within 1s: superd is starting") {
			t.Fatalf("supers --timeout 1s %s while superd stops leftovers: exit %d, %q; want not done", strings.Join(args, " "), code, stderr)
		}
	}
	if err := p.terminate(); err != nil {
		t.Fatalf("superd stopped before it was ready: %v", err)
	}
	p.waitLogged("shutting down before the start")
	var state struct {
		Stopped []string `json:"stopped"`
		Started []string `json:"started"`
	}
	b, err := os.ReadFile(p.socket + ".state")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &state); err != nil {
		t.Fatalf("state file: %v", err)
	}
	for _, name := range []string{"web", "api-1", "api-2", "db"} {
		if !slices.Contains(state.Stopped, name) {
			t.Errorf("state file after a shutdown before ready: stopped %q, want %s among them", state.Stopped, name)
		}
	}
	if slices.Contains(state.Stopped, "other") || !slices.Contains(state.Started, "job") || len(state.Started) != 1 {
		t.Errorf("state file after a shutdown before ready: stopped %q, started %q; want job started, other not stopped", state.Stopped, state.Started)
	}

	next := &daemon{t: t, dir: p.dir, logDir: p.logDir, socket: p.socket, client: p.client, seenPIDs: map[int]bool{}}
	next.start()
	next.waitLogged("superd ready")
	next.waitRunning("job")
	next.waitRunning("other")
	for _, name := range []string{"web", "api-1", "api-2", "db"} {
		if st := next.status(name); st.State != "stopped" {
			t.Errorf("%s, stopped while the superd before stopped leftovers: %s under the next superd; want stopped", name, st.State)
		}
		if ran := p.ran(name); ran != "" {
			t.Errorf("%s ran under the next superd, though it was stopped before", name)
		}
	}
}
