package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/supers-dev/supers/notify"
)

// fixtureLines returns the lines of eventFixtureText whose type column is
// one of types.
func fixtureLines(types ...string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(eventFixtureText, "\n") {
		if f := strings.Fields(line); len(f) > 1 && slices.Contains(types, f[1]) {
			b.WriteString(line)
		}
	}
	return b.String()
}

// events --type prints only the events of the types it lists, in the
// history and while following, given repeated or separated by commas.
func TestEventsType(t *testing.T) {
	fb := fixture()
	fb.history = eventFixture()
	socket := startDaemon(t, fb)
	for _, args := range [][]string{
		{"events", "--type", "exit,fatal"},
		{"events", "--type", "exit", "--type", "fatal"},
		{"events", "--type", " exit , fatal"},
	} {
		r := runAgainst(t, socket, args...)
		if want := fixtureLines("exit", "fatal"); r.code != 0 || r.stdout != want {
			t.Errorf("%q: code %d, stderr %q\ngot:\n%s\nwant:\n%s", args, r.code, r.stderr, r.stdout, want)
		}
	}

	r := runAgainst(t, socket, "--json", "events", "--service", "sleep", "--type", "restart")
	var got []notify.Event
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var e notify.Event
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		got = append(got, e)
	}
	if r.code != 0 || len(got) != 2 || got[0].Type != notify.TypeRestart || got[1].Type != notify.TypeRestart || got[0].Service != "sleep" {
		t.Errorf("--json --service sleep --type restart: code %d, %+v", r.code, got)
	}

	live := fixture()
	live.live = make(chan notify.Event, 3)
	for _, e := range eventFixture()[:3] { // start, exit, restart
		live.live <- e
	}
	close(live.live)
	r = runAgainst(t, startDaemon(t, live), "events", "-f", "--type", "exit")
	if want := strings.SplitAfter(eventFixtureText, "\n")[1]; r.stdout != want { // the exit
		t.Errorf("-f --type exit: stdout %q, want %q", r.stdout, want)
	}
}

// An unknown or empty --type is a usage error that lists the types, and
// nothing is asked from superd.
func TestEventsTypeInvalid(t *testing.T) {
	fb := fixture()
	socket := startDaemon(t, fb)
	for _, tc := range []struct {
		arg, want string
	}{
		{"exit,boom", `events: --type "boom" is not an event type (use start, exit,`},
		{"", "events: --type needs an event type (start, exit,"},
		{",", "events: --type needs an event type (start, exit,"},
	} {
		r := runAgainst(t, socket, "events", "--type", tc.arg)
		if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) || !strings.Contains(r.stderr, "config-error") || r.stdout != "" {
			t.Errorf("--type %q: code %d, stdout %q, stderr %q; want a usage error with %q", tc.arg, r.code, r.stdout, r.stderr, tc.want)
		}
	}
	if calls := fb.callLog(); len(calls) != 0 {
		t.Errorf("superd was asked: %q", calls)
	}
}

// An empty type beside others (a script's unset variable in --type "$A"
// --type "$B", or a trailing comma) is a usage error too: it was dropped
// silently, and the filter kept only the others' events.
func TestEventsTypeEmptyAmongOthers(t *testing.T) {
	fb := fixture()
	socket := startDaemon(t, fb)
	for _, args := range [][]string{
		{"--type", "exit", "--type", ""},
		{"--type", "exit,"},
		{"--type", "", "--type", "exit"},
		{"--type=exit", "--type="},
	} {
		r := runAgainst(t, socket, append([]string{"events"}, args...)...)
		if want := "events: --type needs an event type (start, exit,"; r.code != exitUsage || !strings.Contains(r.stderr, want) || r.stdout != "" {
			t.Errorf("%q: code %d, stdout %q, stderr %q; want a usage error with %q", args, r.code, r.stdout, r.stderr, want)
		}
	}
	if calls := fb.callLog(); len(calls) != 0 {
		t.Errorf("superd was asked: %q", calls)
	}
}
