package transport

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestMalformedQueryIsRefused: a query string that does not parse (bad
// percent encoding, a ";"), an unknown parameter, a repeated one or one
// without a value is a 400 naming it, before the backend is asked; Go's URL.Query() would drop
// the bad pairs and answer with the filter or the tail left out.
func TestMalformedQueryIsRefused(t *testing.T) {
	fb := newFakeBackend("web")
	h := NewHandler(fb, HandlerOptions{})
	for _, tc := range []struct{ target, want string }{
		{"/v1/events?service=%zz", "malformed query string"},
		{"/v1/events?service=web%", "malformed query string"},
		{"/v1/events?service=web;x", "malformed query string"},
		{"/v1/events?servce=web", `unknown query parameter \"servce\" (known: service, follow)`},
		{"/v1/events?service=web&service=db", "service given 2 times"},
		{"/v1/services/web/logs?tail=%zz", "malformed query string"},
		{"/v1/services/web/logs?stream=%zz&tail=1", "malformed query string"},
		{"/v1/services/web/logs?lines=5", `unknown query parameter \"lines\" (known: stream, tail, follow)`},
		{"/v1/services/web/logs?tail=1&tail=2", "tail given 2 times"},
		// A parameter without a value is no parameter left out: an empty
		// service= answered every service's events, and a bare ?follow
		// answered without following.
		{"/v1/events?service=", "query parameter service has no value"},
		{"/v1/events?service", "query parameter service has no value"},
		{"/v1/events?follow=", "query parameter follow has no value"},
		{"/v1/events?service=web&follow", "query parameter follow has no value"},
		{"/v1/services/web/logs?stream=", "query parameter stream has no value"},
		{"/v1/services/web/logs?tail=", "query parameter tail has no value"},
		{"/v1/services/web/logs?tail=5&follow", "query parameter follow has no value"},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tc.target, nil))
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), tc.want) {
			t.Errorf("GET %s: %d %s, want 400 saying %q", tc.target, rec.Code, rec.Body, tc.want)
		}
	}
	if calls := fb.callLog(); len(calls) != 0 {
		t.Errorf("the backend was called: %q", calls)
	}

	// Well-formed queries still reach it.
	for _, target := range []string{"/v1/events?service=web&follow=false", "/v1/events", "/v1/services/web/logs?stream=stderr&tail=all&follow=0"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s: %d %s", target, rec.Code, rec.Body)
		}
	}
	if calls := fb.callLog(); len(calls) != 3 {
		t.Errorf("calls %q", calls)
	}
}
