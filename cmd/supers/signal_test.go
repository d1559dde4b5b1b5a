package main

import (
	"encoding/json"
	"errors"
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
		{"9", "sent SIGKILL to web (pid 4242)\n"},
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
		{[]string{"signal", "-9", "web"}, "sent SIGKILL to web (pid 4242)\n"},
		{[]string{"signal", "-sighup", "web"}, "sent SIGHUP to web (pid 4242)\n"},
		{[]string{"signal", "web", "--", "-usr1"}, "sent SIGUSR1 to web (pid 4242)\n"},
		{[]string{"--timeout", "5s", "signal", "-TERM", "--timeout", "6s", "web"}, "sent SIGTERM to web (pid 4242)\n"},
		// kill's -s form.
		{[]string{"signal", "web", "-s", "HUP"}, "sent SIGHUP to web (pid 4242)\n"},
		{[]string{"signal", "-s", "usr1", "web"}, "sent SIGUSR1 to web (pid 4242)\n"},
		{[]string{"signal", "web", "--signal=9"}, "sent SIGKILL to web (pid 4242)\n"},
		{[]string{"signal", "-sCONT", "web"}, "sent SIGCONT to web (pid 4242)\n"},
		{[]string{"signal", "web", "-s9"}, "sent SIGKILL to web (pid 4242)\n"},
		{[]string{"signal", "web", "-ssigusr2"}, "sent SIGUSR2 to web (pid 4242)\n"},
		// A signal that starts with s, not -s and its value.
		{[]string{"signal", "web", "-stop"}, "sent SIGSTOP to web (pid 4242)\n"},
		{[]string{"signal", "-sys", "web"}, "sent SIGSYS to web (pid 4242)\n"},
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
		// An unknown signal is named as given, not with the s of -s.
		{[]string{"signal", "web", "-sFOO"}, exitError, "supers: signal web: invalid argument: unknown signal \"FOO\"\n"},
		{[]string{"signal", "idle", "HUP"}, exitError, "supers: signal idle: conflict: idle is not running\n"},
	} {
		r := runAgainst(t, socket, tc.args...)
		if r.code != tc.code || r.stderr != tc.stderr || r.stdout != "" {
			t.Errorf("%q: code %d, stdout %q, stderr %q\nwant %d %q", tc.args, r.code, r.stdout, r.stderr, tc.code, tc.stderr)
		}
	}
	// Two signals (kong said "unknown flag -H, did you mean "-h"?"), or a
	// signal without a name.
	for _, tc := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"signal", "web", "-HUP", "-9"}, "supers: error: only one signal can be given: -HUP and -9\n"},
		{[]string{"signal", "-9", "-9", "web"}, "supers: error: only one signal can be given: -9 and -9\n"},
		{[]string{"--json", "signal", "web", "HUP", "-9"}, "supers: error: only one signal can be given: HUP and -9\n"},
		{[]string{"signal", "-HUP"}, "supers: error: expected \"<name>\", the service to send -HUP to\n"},
		{[]string{"signal", "web", "-s", "HUP", "TERM"}, "supers: error: only one signal can be given: TERM and HUP\n"},
		{[]string{"signal", "web", "-s", "HUP", "-9"}, "supers: error: only one signal can be given: 9 and HUP\n"},
		{[]string{"signal", "web", "-sCONT", "-9"}, "supers: error: only one signal can be given: 9 and CONT\n"},
		{[]string{"signal", "web", "-sHUP", "-sTERM"}, "supers: error: only one signal can be given: HUP and TERM\n"},
		{[]string{"signal", "web", "-s", "9", "--signal=HUP"}, "supers: error: only one signal can be given: 9 and HUP\n"},
		{[]string{"signal", "web"}, "supers: error: expected \"<signal>\", the signal to send to web (HUP, -HUP or -s HUP)\n"},
	} {
		r := runAgainst(t, socket, tc.args...)
		want := tc.stderr + "Run \"supers signal --help\" for usage.\n"
		if r.code != exitUsage || r.stderr != want || r.stdout != "" {
			t.Errorf("%q: code %d, stdout %q, stderr %q\nwant %q", tc.args, r.code, r.stdout, r.stderr, want)
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
		{"signal -HUP -- web", "signal -- web HUP"},
		{"signal -sys web", "signal web sys"},
		{"signal -sCONT web", "signal -sCONT web"},
		// Left for kong to parse or refuse.
		{"signal web HUP", "signal web HUP"},
		{"signal web -h", "signal web -h"},
		{"signal -HUP -9 web --help", "signal web --help"},
		{"signal web -h -HUP", "signal web -h"},
		{"signal web -- -9", "signal web -- -9"},
		{"signal web HUP TERM", "signal web HUP TERM"},
		{"--socket -9 signal web", "--socket -9 signal web"},
		{"status web -9", "status web -9"},
		{"-9", "-9"},
		{"", ""},
	} {
		in := strings.Fields(tc.in)
		got, err := dashSignalArgs(in)
		if err != nil || strings.Join(got, " ") != tc.want {
			t.Errorf("dashSignalArgs(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	// More than one signal, or none but a name: said plainly, not as kong's
	// "unknown flag -H".
	for in, want := range map[string]string{
		"signal web -HUP -9":      "only one signal can be given: -HUP and -9",
		"signal -9 -9 web":        "only one signal can be given: -9 and -9",
		"signal -HUP -TERM web":   "only one signal can be given: -HUP and -TERM",
		"signal web HUP -9":       "only one signal can be given: HUP and -9",
		"signal -HUP web db":      "only one signal can be given: -HUP and db",
		"signal -HUP web -- -9":   "only one signal can be given: -HUP and -9",
		"signal -1 web -2 -- -3":  "only one signal can be given: -1, -2 and -3",
		"signal -HUP web -- x -9": "only one signal can be given: -HUP, x and -9",
		"signal -HUP":             `expected "<name>", the service to send -HUP to`,
		"--json signal -9 --json": `expected "<name>", the service to send -9 to`,
	} {
		got, err := dashSignalArgs(strings.Fields(in))
		var usage *usageError
		if !errors.As(err, &usage) || usage.command != "signal" || usage.msg != want {
			t.Errorf("dashSignalArgs(%q) = %q, %v; want the usage error %q", in, got, err, want)
		}
	}
	for arg, want := range map[string]bool{
		"-9": true, "-HUP": true, "-sigusr1": true, "-RTMIN+1": true, "-RTMAX-1": true,
		"-h": false, "-": false, "--": false, "--json": false, "9": false, "-HU P": false, "-x1=": false,
	} {
		if got := isDashSignal(arg); got != want {
			t.Errorf("isDashSignal(%q) = %t", arg, got)
		}
	}
}

func TestSignalLabel(t *testing.T) {
	for in, want := range map[string]string{
		"HUP": "SIGHUP", "hup": "SIGHUP", "SigTerm": "SIGTERM", " 15 ": "SIGTERM", "9": "SIGKILL", "31": "SIGSYS",
		// Unknown to config.NormalizeSignal: as given.
		"99": "signal 99", "RTMIN": "SIGRTMIN", "usr\x1b2": "SIGUSR?2",
	} {
		if got := signalLabel(in); got != want {
			t.Errorf("signalLabel(%q) = %q, want %q", in, got, want)
		}
	}
}
