package transport

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestIfMatchInSeveralHeaderLines: If-Match given twice is a list of tags
// (RFC 9110: field lines combine), refused like "a", "b" in one line,
// rather than the first line being used and the second ignored.
func TestIfMatchInSeveralHeaderLines(t *testing.T) {
	fb := newFakeBackend("web")
	h := NewHandler(fb, HandlerOptions{})
	for _, method := range []string{http.MethodPut, http.MethodDelete} {
		req := httptest.NewRequest(method, "/v1/services/web/definition", strings.NewReader("[Service]\nExecStart=/bin/true\n"))
		req.Header.Add("If-Match", "*")
		req.Header.Add("If-Match", `"0-"`)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "one tag") {
			t.Errorf("%s with two If-Match lines: %d %s, want 400 asking for one tag", method, rec.Code, rec.Body)
		}
	}
	if calls := fb.callLog(); len(calls) != 0 {
		t.Errorf("the backend was called: %q", calls)
	}
}
