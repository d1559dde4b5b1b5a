package main

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/supers-dev/supers/notify"
)

// events --service with an empty value (a script's unset variable: --service
// "$SVC") is a usage error, as an empty name is to every other command, not
// every service's events: the filter was silently left out.
func TestEventsEmptyServiceIsUsageError(t *testing.T) {
	for _, args := range [][]string{
		{"events", "--service", ""},
		{"events", "--service="},
		{"events", "-f", "--service="},
	} {
		r := runCLI(t, nil, args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, `invalid service name "": must not be empty`) || r.stdout != "" {
			t.Errorf("%q: code %d, stdout %q, stderr %q", args, r.code, r.stdout, r.stderr)
		}
	}
}

// events --service may be repeated, or list services separated by commas,
// as --type may, and as journalctl -u a -u b shows both units: it showed
// the events of the last service named only, silently.
func TestEventsSeveralServices(t *testing.T) {
	fb := fixture()
	fb.history = eventFixture()
	socket := startDaemon(t, fb)
	var want []string
	for _, line := range strings.SplitAfter(eventFixtureText, "\n") {
		if f := strings.Fields(line); len(f) > 2 && (f[2] == "sleep" || f[2] == "web") {
			want = append(want, line)
		}
	}
	for _, args := range [][]string{
		{"events", "--service", "sleep", "--service", "web"},
		{"events", "--service", "web,sleep"},
		{"events", "--service=sleep", "--service", "web,sleep"},
	} {
		r := runAgainst(t, socket, args...)
		if r.code != exitOK || r.stdout != strings.Join(want, "") || r.stderr != "" {
			t.Errorf("%q: code %d, stdout %q, stderr %q\nwant %q", args, r.code, r.stdout, r.stderr, strings.Join(want, ""))
		}
	}

	// One service is still filtered by superd.
	r := runAgainst(t, socket, "events", "--service", "web", "--service", "web")
	if r.code != exitOK || !strings.HasPrefix(r.stdout, "2026-11-25T21:03:04.200Z exit         web") || strings.Contains(r.stdout, "sleep") {
		t.Errorf("web twice: code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if calls := fb.callLog(); calls[len(calls)-1] != "events web follow=false" {
		t.Errorf("calls %q", calls)
	}

	for _, args := range [][]string{
		{"events", "--service", "web", "--service", ""},
		{"events", "--service", "web,"},
		{"events", "--service", ",web"},
	} {
		r := runAgainst(t, socket, args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, `invalid service name "": must not be empty`) || r.stdout != "" {
			t.Errorf("%q: code %d, stdout %q, stderr %q", args, r.code, r.stdout, r.stderr)
		}
	}
}

// With -f, the live events are filtered the same way.
func TestEventsFollowSeveralServices(t *testing.T) {
	fb := fixture()
	fb.live = make(chan notify.Event)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	stdout, stderr, code := startFollowing(ctx, startDaemon(t, fb), "--service", "web,db")
	for _, service := range []string{"sleep", "db", "", "web"} {
		e := eventAt(notify.TypeStart, service, 0)
		e.PID = 7
		fb.live <- e
	}
	want := "2026-11-25T21:03:04.000Z start        db              pid=7\n" +
		"2026-11-25T21:03:04.000Z start        web             pid=7\n"
	waitOutput(t, stdout, want)
	cancel()
	if c := waitCode(t, code); c != exitOK || stderr.String() != "" {
		t.Errorf("code %d, stderr %q", c, stderr.String())
	}
	if calls := fb.callLog(); len(calls) != 1 || calls[0] != "events  follow=true" {
		t.Errorf("calls %q", calls)
	}
}

// Several services keep the events about them that superd keeps for one:
// a reload that names one of them, a config error of superd.conf (which
// concerns every service); not a reload of other services.
func TestEventsSeveralServicesKeepWhatOneKeeps(t *testing.T) {
	fb := fixture()
	mine := eventAt(notify.TypeReload, "", 0)
	mine.Changed = []string{"web"}
	other := eventAt(notify.TypeReload, "", 1)
	other.Added = []string{"db"}
	conf := eventAt(notify.TypeConfigError, "", 2)
	conf.File, conf.Reason = "/etc/super/superd.conf", "bad"
	start := eventAt(notify.TypeStart, "sleep", 3)
	fb.history = []notify.Event{mine, other, conf, start}
	socket := startDaemon(t, fb)
	r := runAgainst(t, socket, "--json", "events", "--service", "web,sleep")
	var got []string
	for line := range strings.Lines(r.stdout) {
		var e notify.Event
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		got = append(got, e.Type+":"+e.Service)
	}
	want := []string{"reload:", "config-error:", "start:sleep"}
	if r.code != exitOK || !slices.Equal(got, want) {
		t.Errorf("code %d, events %q, want %q; stderr %q", r.code, got, want, r.stderr)
	}
}
