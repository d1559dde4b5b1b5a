package transport

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestEmptyQueryValueIsRefused: a parameter given without a value
// ("?service=", "?follow") is a 400 naming it, never read as absent: an
// empty service= answered every service's events, the filter left out,
// and a bare ?follow answered without following.
func TestEmptyQueryValueIsRefused(t *testing.T) {
	fb := newFakeBackend("web")
	h := NewHandler(fb, HandlerOptions{})
	for _, tc := range []struct{ target, want string }{
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
}
