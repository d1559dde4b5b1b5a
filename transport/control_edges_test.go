package transport

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/supers-dev/supers/notify"
)

// A HEAD of a followed event stream answers with the headers of the GET
// and ends at once, as the logs route does: otherwise the handler follows
// for ever while the client, which expects no body, sends its next request
// on the same kept-alive connection, and that request hangs.
func TestHandlerEventsFollowHead(t *testing.T) {
	fb := newFakeBackend("web")
	fb.history = []notify.Event{testEvent(notify.TypeStart, "web", 1)}
	fb.live = make(chan notify.Event) // never closed: only the handler can end the answer
	h, _ := newTestHandler(t, fb)
	tracked, done := trackedHandler(h)
	srv := httptest.NewServer(tracked)
	t.Cleanup(srv.Close)

	// One connection, kept alive: the GET must reuse the HEAD's.
	hc := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 1}, Timeout: 10 * time.Second}
	t.Cleanup(hc.CloseIdleConnections)
	resp, err := hc.Head(srv.URL + "/v1/events?follow=true")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != ndjsonContentType {
		t.Errorf("HEAD: status %d, Content-Type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	waitDone(t, done, "HEAD of a followed event stream")

	resp, err = hc.Get(srv.URL + "/v1/version")
	if err != nil {
		t.Fatalf("GET after the HEAD, on the same connection: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET after the HEAD: %d %s", resp.StatusCode, body)
	}
}

// A path that is not clean ("//v1/reload", "/v1/services/./web") gets a
// JSON 404 naming the route meant, not the mux's redirect with an HTML
// body: curl -f takes a redirect for a success, so a script whose base URL
// ends in a slash would never learn that its POST did nothing.
func TestHandlerUncleanPath(t *testing.T) {
	fb := newFakeBackend("web")
	h, _ := newTestHandler(t, fb)
	for _, tc := range []struct{ method, target, want string }{
		{"POST", "//v1/reload", "/v1/reload"},
		{"POST", "/v1/services/web/../web/stop", "/v1/services/web/stop"},
		{"GET", "/v1/./services", "/v1/services"},
		{"GET", "//healthz", "/healthz"},
	} {
		a := serve(t, h, tc.method, tc.target, nil)
		if a.status != http.StatusNotFound {
			t.Errorf("%s %s: status %d %s, want 404", tc.method, tc.target, a.status, a.body)
			continue
		}
		if msg := a.errorMessage(t); !strings.Contains(msg, tc.want) {
			t.Errorf("%s %s: %q does not name %s", tc.method, tc.target, msg, tc.want)
		}
	}
	if calls := fb.callLog(); len(calls) != 0 {
		t.Errorf("the backend was called: %q", calls)
	}
}
