package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/supers-dev/supers/transport"
)

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

// "supers stop web.service", as systemctl takes it, said only `unknown
// service "web.service"`: the message names the service without the
// suffix, after superd's own explanation when it gives one.
func TestUnknownDotServiceHintsAtName(t *testing.T) {
	d := startDaemon(t, fixture())
	for _, args := range [][]string{{"stop", "web.service"}, {"start", "db", "web.service"}, {"status", "web.service"}, {"logs", "web.service"}, {"cat", "web.service"}} {
		r := runAgainst(t, d, args...)
		// cat has superd's explanation (no file ...) between the two.
		start, end := "supers: unknown service \"web.service\"", " (did you mean \"web\"?)\n"
		if r.code != exitUnknown || !strings.HasPrefix(r.stderr, start) || !strings.HasSuffix(r.stderr, end) || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%q: code %d, stderr %q; want %d, %q...%q", args, r.code, r.stderr, exitUnknown, start, end)
		}
	}
	err := &transport.APIError{StatusCode: http.StatusNotFound, Service: "x.service", Message: `unknown service "x.service" (no file /etc/super/x.service.service)`}
	if got, want := unknownService("x.service", err), `unknown service "x.service" (no file /etc/super/x.service.service) (did you mean "x"?)`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := unknownService(".service", transport.ErrUnknownService), `unknown service ".service"`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
