package transport

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzHandler sends the handler requests of any method, target, If-Match
// and body: none may panic or be answered 500 or a redirect (the API never
// redirects), and every error answer is the JSON ErrorBody with a
// message. Following requests are fuzzed too:
// the fake has no live events (its live channel is nil), so a follower
// ends after the history, as without follow.
func FuzzHandler(f *testing.F) {
	for _, seed := range []struct{ method, target, ifMatch, body string }{
		{"GET", "/v1/services", "", ""},
		{"GET", "/v1/services/web", "", ""},
		{"POST", "/v1/services/web/signal", "", `{"signal":"HUP"}`},
		{"POST", "/v1/services/web/signal", "", `{"signal":1}`},
		{"GET", "/v1/services/web/logs?tail=all&stream=stderr", "", ""},
		{"GET", "/v1/events?service=web&follow=false", "", ""},
		{"PUT", "/v1/services/web/definition", `"abc"`, "[Service]\nExecStart=/bin/true\n"},
		{"DELETE", "/v1/services/web/definition", "*", ""},
		{"OPTIONS", "*", "", ""},
		{"GET", "//v1/./services", "", ""},
		{"POST", "/v1/services/web%2F..%2F..%2Freload/stop", "", ""},
		{"GET", "/v1/services/%2E%2E", "", ""},
		{"POST", "/v1/reload", "", ""},
		{"HEAD", "/v1/events?follow=true", "", ""},
	} {
		f.Add(seed.method, seed.target, seed.ifMatch, seed.body)
	}
	f.Fuzz(func(t *testing.T, method, target, ifMatch, body string) {
		if !validMethod(method) || !strings.HasPrefix(target, "/") && target != "*" {
			return
		}
		req, err := http.NewRequest(method, "http://superd"+strings.TrimPrefix(target, "*"), strings.NewReader(body))
		if err != nil {
			return
		}
		if target == "*" {
			req.URL.Path, req.RequestURI = "*", "*"
		}
		if ifMatch != "" {
			req.Header.Set("If-Match", ifMatch)
		}
		fb := newFakeBackend("web", "db")
		rec := httptest.NewRecorder()
		NewHandler(fb, HandlerOptions{}).ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %q: %d %s", method, target, rec.Code, rec.Body)
		}
		if rec.Code >= 300 && rec.Code < 400 {
			// The API never redirects (the mux would, to a clean path).
			t.Fatalf("%s %q: a redirect, %d to %q", method, target, rec.Code, rec.Header().Get("Location"))
		}
		if rec.Code >= 400 && method != http.MethodHead {
			var eb ErrorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &eb); err != nil || eb.Error == "" {
				t.Fatalf("%s %q: %d %q is not an ErrorBody", method, target, rec.Code, rec.Body)
			}
		}
	})
}

// validMethod reports whether m is an HTTP token, as a server would take it.
func validMethod(m string) bool {
	if m == "" {
		return false
	}
	for _, c := range m {
		if c <= ' ' || c >= 0x7f || strings.ContainsRune("()<>@,;:\\\"/[]?={}", c) {
			return false
		}
	}
	return true
}
