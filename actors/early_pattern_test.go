package actors

import (
	"slices"
	"testing"
)

// A stop by pattern before the services exist (see Supervisor.Stop)
// stops the services defined that it matches, unless a start or restart
// of one came after it: the last command has the last word, as with the
// stops by name.
func TestEarlyStopsByPattern(t *testing.T) {
	var e earlyStops
	e.note("db", false) // a start of db, before the stop of every service
	e.notePattern("*")
	e.note("web-2", false) // a start of web-2 after it
	e.note("api", true)
	e.notePattern("w[aeiou]b-*")
	e.note("ghost", true) // not defined: left to its command
	got := e.close([]string{"api", "db", "jobs", "web-1", "web-2"})
	if want := []string{"api", "db", "ghost", "jobs", "web-1", "web-2"}; !slices.Equal(got, want) {
		t.Errorf("stopped %q, want %q", got, want)
	}
	if e.notePattern("*") {
		t.Error("a pattern was noted once the services were created")
	}

	var f earlyStops
	f.notePattern("web-*")
	f.note("web-1", false)
	if got := f.close([]string{"web-1", "web-2", "db"}); !slices.Equal(got, []string{"web-2"}) {
		t.Errorf("stopped %q, want [web-2]: web-1's start came after the pattern", got)
	}
}
