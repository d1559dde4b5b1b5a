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

	// As kill takes them: a dash before the signal, which comes before or
	// after the name, with global flags anywhere.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"signal", "web", "-HUP"}, "sent SIGHUP to web (pid 4242)\n"},
		{[]string{"signal", "-9", "web"}, "sent signal 9 to web (pid 4242)\n"},
		{[]string{"signal", "-sighup", "web"}, "sent SIGHUP to web (pid 4242)\n"},
		{[]string{"signal", "web", "--", "-usr1"}, "sent SIGUSR1 to web (pid 4242)\n"},
		{[]string{"--timeout", "5s", "signal", "-TERM", "--timeout", "6s", "web"}, "sent SIGTERM to web (pid 4242)\n"},
	} {
		r := runAgainst(t, socket, tc.args...)
		if r.code != exitOK || r.stdout != tc.want || r.stderr != "" {
			t.Errorf("%q: code %d, stdout %q, stderr %q", tc.args, r.code, r.stdout, r.stderr)
		}
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
	for _, args := range [][]string{
		{"signal"}, {"signal", "web"}, {"signal", "web", "HUP", "extra"},
		{"signal", "-HUP"}, {"signal", "-HUP", "-9", "web"}, {"signal", "-x", "web"}, {"signal", "web", "HUP", "-9"},
	} {
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

func TestDashSignalArgs(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"signal web -9", "signal web 9"},
		{"signal -9 web", "signal web 9"},
		{"--socket /s signal -KILL web --json", "--socket /s signal web KILL --json"},
		{"--socket=/s signal web -RTMIN+1", "--socket=/s signal web RTMIN+1"},
		{"signal --timeout -5s web -HUP", "signal --timeout -5s web HUP"},
		// Left for kong to parse or refuse.
		{"signal web HUP", "signal web HUP"},
		{"signal web -h", "signal web -h"},
		{"signal -HUP", "signal -HUP"},
		{"signal -HUP -TERM web", "signal -HUP -TERM web"},
		{"signal -HUP web db", "signal -HUP web db"},
		{"signal web -- -9", "signal web -- -9"},
		{"--socket -9 signal web", "--socket -9 signal web"},
		{"status web -9", "status web -9"},
		{"-9", "-9"},
		{"", ""},
	} {
		in := strings.Fields(tc.in)
		if got := strings.Join(dashSignalArgs(in), " "); got != tc.want {
			t.Errorf("dashSignalArgs(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for arg, want := range map[string]bool{
		"-9": true, "-HUP": true, "-sigusr1": true, "-RTMIN+1": true,
		"-h": false, "-": false, "--": false, "--json": false, "9": false, "-HU P": false, "-x1=": false,
	} {
		if got := isDashSignal(arg); got != want {
			t.Errorf("isDashSignal(%q) = %t", arg, got)
		}
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
