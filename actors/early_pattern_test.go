package actors

import (
	"maps"
	"slices"
	"testing"
)

// A stop by pattern before the services exist (see Supervisor.Stop)
// stops the services defined that it matches, as the stops by name do,
// whatever comes after: a start or restart of one after it is carried
// out after it, and starts the service then (see earlyStops). The last
// command of each service is its intent.
func TestEarlyStopsByPattern(t *testing.T) {
	var e earlyStops
	e.note("db", false) // a start of db, before the stop of every service
	e.notePattern("*")
	e.note("web-2", false) // a start of web-2 after it
	e.note("api", true)
	e.notePattern("w[aeiou]b-*")
	e.note("ghost", true) // not defined: left to its command
	e.note("jobs", true)
	e.note("jobs", false) // a start of jobs after its stop
	got, intents := e.close([]string{"api", "db", "jobs", "web-1", "web-2"})
	if want := []string{"api", "db", "ghost", "jobs", "web-1", "web-2"}; !slices.Equal(got, want) {
		t.Errorf("stopped %q, want %q", got, want)
	}
	if want := map[string]bool{"api": true, "db": true, "jobs": false, "web-1": true, "web-2": true}; !maps.Equal(intents, want) {
		t.Errorf("intents %v, want %v", intents, want)
	}
	if e.notePattern("*") {
		t.Error("a pattern was noted once the services were created")
	}

	var f earlyStops
	f.notePattern("web-*")
	f.note("web-1", false)
	got, intents = f.close([]string{"web-1", "web-2", "db"})
	if !slices.Equal(got, []string{"web-1", "web-2"}) {
		t.Errorf("stopped %q, want [web-1 web-2]: web-1's start, after the pattern, starts it once created", got)
	}
	if want := map[string]bool{"web-1": false, "web-2": true}; !maps.Equal(intents, want) {
		t.Errorf("intents %v, want %v: web-1's start came after the pattern", intents, want)
	}
}
