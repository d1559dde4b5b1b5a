package transport

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestRoutesRefuseUnknownQuery: a route that takes no query parameter
// refuses one (400, the backend not called) rather than ignore it and do
// what the client did not ask: a real reload for "?dry_run=true", a delete
// without the condition the client meant to give, every service for
// "?service=web". /healthz, which a monitor may probe with anything,
// ignores it.
func TestRoutesRefuseUnknownQuery(t *testing.T) {
	for _, tc := range []struct{ method, target string }{
		{http.MethodGet, "/v1/services?service=web"},
		{http.MethodGet, "/v1/services/web?verbose=1"},
		{http.MethodPost, "/v1/services/web/start?wait=false"},
		{http.MethodPost, "/v1/services/web/stop?force=1"},
		{http.MethodPost, "/v1/services/web/restart?x"},
		{http.MethodPost, "/v1/services/web/signal?signal=HUP"},
		{http.MethodGet, "/v1/services/web/definition?v=1"},
		{http.MethodPut, "/v1/services/web/definition?if_match=abc"},
		{http.MethodDelete, "/v1/services/web/definition?if_match=abc"},
		{http.MethodGet, "/v1/config/errors?all=1"},
		{http.MethodPost, "/v1/config/check?file=web.service"},
		{http.MethodPost, "/v1/reload?dry_run=true"},
		{http.MethodGet, "/v1/version?x=1"},
		{http.MethodGet, "/v1/openapi.json?v=2"},
		{http.MethodPost, "/v1/reload?%zz"},
	} {
		f := newFakeBackend("web")
		h := NewHandler(f, HandlerOptions{})
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.target, strings.NewReader(`{"signal":"HUP"}`)))
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "query") {
			t.Errorf("%s %s: %d %s, want a 400 about the query", tc.method, tc.target, rec.Code, rec.Body)
		}
		f.mu.Lock()
		calls := f.calls
		f.mu.Unlock()
		if len(calls) > 0 {
			t.Errorf("%s %s: the backend was called: %v", tc.method, tc.target, calls)
		}
	}

	// Without a query, or with an empty one, they are served.
	f := newFakeBackend("web")
	h := NewHandler(f, HandlerOptions{})
	for _, target := range []string{"/v1/services", "/v1/services?", "/healthz?probe=1"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s: %d %s", target, rec.Code, rec.Body)
		}
	}
}
