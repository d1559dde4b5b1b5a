package main

import (
	"strings"
	"testing"
)

// The note under a table with a service marked as changed on disk said
// `run "supers reload" to apply`, but any change of the file marks it, a
// comment-only edit too, after which supers reload says "nothing to do":
// the note says what a reload does with the change instead.
func TestConfigChangedNoteSaysWhatAReloadApplies(t *testing.T) {
	fb := fixture()
	s := fb.services["web"]
	s.ConfigChanged = true
	fb.services["web"] = s
	socket := startDaemon(t, fb)
	r := runAgainst(t, socket, "status")
	want := "supers: * config changed on disk since loaded; \"supers reload\" applies it if its settings changed\n"
	if r.code != 0 || r.stderr != want {
		t.Errorf("status: code %d, stderr %q, want %q", r.code, r.stderr, want)
	}
	if strings.Contains(r.stderr, "to apply") {
		t.Errorf("the note %q still says a reload is needed", r.stderr)
	}
}
