package transport

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestPutDefinitionRefusesJSON: a dashboard that sends back the JSON
// Definition it got from GET (or wraps the text in JSON) is told that PUT
// takes the INI text, instead of getting the INI parser's "syntax error:
// missing =" about its JSON; nothing reaches the backend.
func TestPutDefinitionRefusesJSON(t *testing.T) {
	fb := newFakeBackend("web")
	h := NewHandler(fb, HandlerOptions{})
	for _, ct := range []string{"application/json", "application/json; charset=utf-8", "Application/JSON"} {
		req := httptest.NewRequest(http.MethodPut, "/v1/services/web/definition",
			strings.NewReader(`{"name":"web","text":"[Service]\nExecStart=/bin/true\n"}`))
		req.Header.Set("Content-Type", ct)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusUnsupportedMediaType || !strings.Contains(rec.Body.String(), "INI text") {
			t.Errorf("Content-Type %s: %d %s, want 415 saying the body is the INI text", ct, rec.Code, rec.Body)
		}
	}
	if calls := fb.callLog(); len(calls) != 0 {
		t.Errorf("the backend was called: %q", calls)
	}
	// The body types curl and the client send are taken.
	for _, ct := range []string{"", "text/plain; charset=utf-8", "application/x-www-form-urlencoded", "application/octet-stream"} {
		req := httptest.NewRequest(http.MethodPut, "/v1/services/web/definition", strings.NewReader("[Service]\nExecStart=/bin/true\n"))
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code/100 != 2 {
			t.Errorf("Content-Type %q: %d %s", ct, rec.Code, rec.Body)
		}
	}
}
