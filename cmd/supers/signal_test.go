package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/supers-dev/supers/transport"
)

func TestSignal(t *testing.T) {
	fb := fixture()
	socket := startDaemon(t, fb)
	for _, tc := range []struct{ sig, want string }{
		{"HUP", "sent SIGHUP to web (pid 4242)\n"},
		{"sighup", "sent SIGHUP to web (pid 4242)\n"},
		{"usr1", "sent SIGUSR1 to web (pid 4242)\n"},
		{"9", "sent signal 9 to web (pid 4242)\n"},
	} {
		r := runAgainst(t, socket, "signal", "web", tc.sig)
		if r.code != exitOK || r.stdout != tc.want || r.stderr != "" {
			t.Errorf("%s: code %d, stdout %q, stderr %q", tc.sig, r.code, r.stdout, r.stderr)
		}
	}
	if calls := fb.callLog(); len(calls) != 4 || calls[0] != "signal web" {
		t.Errorf("calls %q", calls)
	}

	r := runAgainst(t, socket, "--json", "signal", "db", "TERM")
	var st transport.ServiceStatus
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil || r.code != exitOK || st.Name != "db" || st.PID != 77 {
		t.Errorf("--json: code %d, %v, %q", r.code, err, r.stdout)
	}
}

func TestSignalErrors(t *testing.T) {
	fb := fixture()
	socket := startDaemon(t, fb)
	for _, tc := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"signal", "nope", "HUP"}, exitUnknown, "supers: unknown service \"nope\"\n"},
		{[]string{"signal", "web", "BOGUS"}, exitError, "supers: signal web: invalid argument: unknown signal \"BOGUS\"\n"},
		{[]string{"signal", "idle", "HUP"}, exitError, "supers: signal idle: conflict: idle is not running\n"},
	} {
		r := runAgainst(t, socket, tc.args...)
		if r.code != tc.code || r.stderr != tc.stderr || r.stdout != "" {
			t.Errorf("%q: code %d, stdout %q, stderr %q\nwant %d %q", tc.args, r.code, r.stdout, r.stderr, tc.code, tc.stderr)
		}
	}
	for _, args := range [][]string{{"signal"}, {"signal", "web"}, {"signal", "web", "HUP", "extra"}} {
		r := runAgainst(t, socket, args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, `Run "supers signal --help"`) {
			t.Errorf("%q: code %d, stderr %q", args, r.code, r.stderr)
		}
	}
	// A malformed name is a usage error, and never reaches superd.
	fb.resetCalls()
	r := runAgainst(t, socket, "signal", "a/b", "HUP")
	if r.code != exitUsage || !strings.Contains(r.stderr, `invalid service name "a/b"`) {
		t.Errorf("a/b: code %d, stderr %q", r.code, r.stderr)
	}
	if calls := fb.callLog(); !slices.Equal(calls, nil) {
		t.Errorf("calls %q", calls)
	}
}

func TestSignalLabel(t *testing.T) {
	for in, want := range map[string]string{
		"HUP": "SIGHUP", "hup": "SIGHUP", "SigTerm": "SIGTERM", " 15 ": "signal 15", "usr\x1b2": "SIGUSR?2",
	} {
		if got := signalLabel(in); got != want {
			t.Errorf("signalLabel(%q) = %q, want %q", in, got, want)
		}
	}
}
