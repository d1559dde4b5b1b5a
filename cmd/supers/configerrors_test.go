package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/supers-dev/supers/transport"
)

// badFile is the load error of a service file with a misspelt key, as superd
// reports it.
const badFile = "/etc/super/bad.service:3: [Service] Restrat: unknown key (did you mean Restart?)"

// withConfigErrors is fixture() with two service files that failed to
// load, deliberately out of order.
func withConfigErrors() *fakeBackend {
	fb := fixture()
	fb.cfgErrs = []transport.ConfigError{
		{File: "/etc/super/evil.service", Line: 1, Message: "/etc/super/evil.service:1: bad\nvalue \x1b[31mred"},
		{File: "/etc/super/bad.service", Line: 3, Message: badFile},
	}
	return fb
}

const configWarning = "supers: warning: 2 service file(s) could not be loaded:\n" +
	"  " + badFile + "\n" +
	"  /etc/super/evil.service:1: bad value ?[31mred\n"

func TestListWarnsAboutConfigErrors(t *testing.T) {
	clean := startDaemon(t, fixture())
	broken := startDaemon(t, withConfigErrors())
	for _, args := range [][]string{{"list"}, {"ls"}, {"status"}, {"--json", "list"}, {"--json", "status"}} {
		want := runAgainst(t, clean, args...)
		if want.code != 0 || want.stderr != "" {
			t.Fatalf("%q without config errors: code %d, stderr %q", args, want.code, want.stderr)
		}
		r := runAgainst(t, broken, args...)
		if r.code != 0 {
			t.Errorf("%q: code %d, want 0", args, r.code)
		}
		if r.stderr != configWarning {
			t.Errorf("%q: stderr:\n%s\nwant:\n%s", args, r.stderr, configWarning)
		}
		// stdout is exactly what it is without the warning: with --json,
		// still one pure JSON array.
		if r.stdout != want.stdout {
			t.Errorf("%q: stdout:\n%s\nwant:\n%s", args, r.stdout, want.stdout)
		}
	}
	r := runAgainst(t, broken, "--json", "list")
	var got []transport.ServiceStatus
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || len(got) != 4 {
		t.Errorf("--json list: %v, %d entries\n%s", err, len(got), r.stdout)
	}
}

func TestSingleConfigError(t *testing.T) {
	fb := fixture()
	fb.cfgErrs = []transport.ConfigError{{File: "/etc/super/unreadable.service"}}
	r := runAgainst(t, startDaemon(t, fb), "list")
	// Without a message the file name is all there is to say.
	want := "supers: warning: 1 service file(s) could not be loaded:\n  /etc/super/unreadable.service\n"
	if r.code != 0 || r.stderr != want {
		t.Errorf("code %d, stderr %q\nwant %q", r.code, r.stderr, want)
	}
}

func TestNamedCommandsDoNotWarn(t *testing.T) {
	fb := withConfigErrors()
	socket := startDaemon(t, fb)
	for _, args := range [][]string{{"status", "web"}, {"start", "idle"}, {"stop", "web"}, {"restart", "db"}} {
		if r := runAgainst(t, socket, args...); r.code != 0 || r.stderr != "" {
			t.Errorf("%q: code %d, stderr %q", args, r.code, r.stderr)
		}
	}
	for _, call := range fb.callLog() {
		if call == "config-errors" {
			t.Errorf("config errors requested by a named command: %q", fb.callLog())
		}
	}
}

func TestConfigErrorsRequestFailureIsIgnored(t *testing.T) {
	failing := withConfigErrors()
	failing.cfgErr = errors.New("config dir vanished")

	// An older superd has no such route: the handler answers 404 as it does
	// for any unknown route.
	h := transport.NewHandler(withConfigErrors(), transport.HandlerOptions{})
	older := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/config/errors" {
			r.URL.Path = "/v1/no-such-route"
		}
		h.ServeHTTP(w, r)
	})

	for name, socket := range map[string]string{
		"500": startDaemon(t, failing),
		"404": serveDaemon(t, older),
	} {
		for _, args := range [][]string{{"list"}, {"--json", "status"}} {
			r := runAgainst(t, socket, args...)
			if r.code != 0 || r.stderr != "" || !strings.Contains(r.stdout, "worker-long-name") {
				t.Errorf("%s %q: code %d, stdout %q, stderr %q", name, args, r.code, r.stdout, r.stderr)
			}
		}
	}
}

func TestUnknownServiceMessage(t *testing.T) {
	fb := fixture()
	// superd knows why "bad" is unknown.
	fb.errs["bad"] = fmt.Errorf("%w %q (bad.service could not be loaded: %s)", transport.ErrUnknownService, "bad", badFile)
	// Control characters in the message are neutralised.
	fb.errs["evil"] = fmt.Errorf("%w %q (evil.service could not be loaded: line\none \x1b[2J)", transport.ErrUnknownService, "evil")
	// A bare sentinel says nothing more than the CLI's own message.
	fb.errs["bare"] = transport.ErrUnknownService
	socket := startDaemon(t, fb)

	for _, tc := range []struct{ name, msg string }{
		{"bad", `unknown service "bad" (bad.service could not be loaded: ` + badFile + ")"},
		{"evil", `unknown service "evil" (evil.service could not be loaded: line one ?[2J)`},
		{"bare", `unknown service "bare"`},
		{"nope", `unknown service "nope"`},
	} {
		for _, cmd := range []struct {
			verb string
			code int
		}{{"status", 4}, {"start", 4}, {"stop", 4}, {"restart", 4}} {
			r := runAgainst(t, socket, cmd.verb, tc.name)
			if want := "supers: " + tc.msg + "\n"; r.code != cmd.code || r.stderr != want || r.stdout != "" {
				t.Errorf("%s %s: code %d, stdout %q, stderr %q\nwant code %d, stderr %q",
					cmd.verb, tc.name, r.code, r.stdout, r.stderr, cmd.code, want)
			}
		}
	}
}

func TestUnknownServiceFallback(t *testing.T) {
	// An error that is not superd's answer: the CLI's own message.
	if got := unknownService("x", transport.ErrUnknownService); got != `unknown service "x"` {
		t.Errorf("got %q", got)
	}
	if got := unknownService("x", &transport.APIError{StatusCode: http.StatusNotFound, Service: "x", Message: " \n"}); got != `unknown service "x"` {
		t.Errorf("blank message: got %q", got)
	}
}

func TestStatusPrintsNoEmptyTable(t *testing.T) {
	fb := fixture()
	fb.errs["broken"] = errors.New("actor mailbox full")
	socket := startDaemon(t, fb)
	for _, tc := range []struct {
		args   []string
		code   int
		stdout string
	}{
		{[]string{"status", "nope"}, 4, ""},
		{[]string{"status", "nope", "gone"}, 4, ""},
		{[]string{"status", "broken"}, 1, ""},
		{[]string{"status", "nope", "broken"}, 4, ""},
		{[]string{"--json", "status", "nope"}, 4, "[]\n"},
		{[]string{"--json", "status", "nope", "broken"}, 4, "[]\n"},
	} {
		r := runAgainst(t, socket, tc.args...)
		if r.code != tc.code || r.stdout != tc.stdout || r.stderr == "" {
			t.Errorf("%q: code %d, stdout %q, stderr %q; want code %d, stdout %q",
				tc.args, r.code, r.stdout, r.stderr, tc.code, tc.stdout)
		}
	}
}
