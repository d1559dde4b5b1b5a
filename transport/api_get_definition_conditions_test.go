package transport

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A GET of a definition evaluates its conditions: an If-Match that does
// not match is a 412 (it was ignored: a 200), an If-None-Match that
// matches a 304 with the ETag and no body; the others a 200.
func TestGetDefinitionConditions(t *testing.T) {
	fb := newFakeBackend("web")
	text := "[Service]\nExecStart=/bin/true\n"
	fb.mu.Lock()
	fb.defs["web"] = text
	fb.mu.Unlock()
	hash := fakeHash(text)
	h := NewHandler(fb, HandlerOptions{})
	for _, tc := range []struct {
		method, header, value string
		want                  int
	}{
		{http.MethodGet, "If-Match", `"0abc"`, http.StatusPreconditionFailed},
		{http.MethodGet, "If-Match", `"` + hash + `"`, http.StatusOK},
		{http.MethodGet, "If-Match", "*", http.StatusOK},
		{http.MethodGet, "If-Match", `W/"` + hash + `"`, http.StatusBadRequest},
		{http.MethodGet, "If-None-Match", `"` + hash + `"`, http.StatusNotModified},
		{http.MethodHead, "If-None-Match", `"0abc", W/"` + hash + `"`, http.StatusNotModified},
		{http.MethodGet, "If-None-Match", "*", http.StatusNotModified},
		{http.MethodGet, "If-None-Match", `"0abc"`, http.StatusOK},
	} {
		req := httptest.NewRequest(tc.method, "/v1/services/web/definition", nil)
		req.Header.Set(tc.header, tc.value)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tc.want {
			t.Errorf("%s with %s: %s: %d %s, want %d", tc.method, tc.header, tc.value, rec.Code, rec.Body, tc.want)
			continue
		}
		switch tc.want {
		case http.StatusNotModified:
			if rec.Header().Get("ETag") != `"`+hash+`"` || rec.Body.Len() != 0 {
				t.Errorf("%s with %s: %s: 304 with ETag %q and body %q, want the ETag and no body", tc.method, tc.header, tc.value, rec.Header().Get("ETag"), rec.Body)
			}
		case http.StatusPreconditionFailed:
			if !strings.Contains(rec.Body.String(), "changed") {
				t.Errorf("412 %s", rec.Body)
			}
		}
	}
	// A condition never hides that there is no definition.
	req := httptest.NewRequest(http.MethodGet, "/v1/services/nope/definition", nil)
	req.Header.Set("If-Match", `"0abc"`)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotFound {
		t.Errorf("GET nope with If-Match: %d %s, want 404", rec.Code, rec.Body)
	}
}
