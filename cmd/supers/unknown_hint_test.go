package main

import "testing"

// "supers stop all", as supervisorctl takes it, said only `unknown
// service "all"`: the commands that take --all point to it when no
// service is named "all". logs, which has no --all, does not.
func TestUnknownAllHintsAtAllFlag(t *testing.T) {
	d := startDaemon(t, fixture())
	for _, cmd := range []string{"status", "start", "stop", "restart"} {
		r := runAgainst(t, d, cmd, "all")
		if want := "supers: unknown service \"all\" (did you mean --all?)\n"; r.code != exitUnknown || r.stderr != want {
			t.Errorf("%s all: code %d, stderr %q; want %d, %q", cmd, r.code, r.stderr, exitUnknown, want)
		}
	}
	if r := runAgainst(t, d, "logs", "all"); r.code != exitUnknown || r.stderr != "supers: unknown service \"all\"\n" {
		t.Errorf("logs all: code %d, stderr %q", r.code, r.stderr)
	}
}
