package transport

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestWriteConditionsOtherThanIfMatchRefused: a definition write carrying
// a precondition the API does not evaluate (If-None-Match: * is HTTP's
// "create only", If-Unmodified-Since) is a 400 naming it, and nothing is
// written or deleted: a PUT with If-None-Match: * replaced a running
// service's definition, and restarted it, as if there were no condition.
func TestWriteConditionsOtherThanIfMatchRefused(t *testing.T) {
	fb := newFakeBackend("web")
	h := NewHandler(fb, HandlerOptions{})
	for _, method := range []string{http.MethodPut, http.MethodDelete} {
		for _, hdr := range [][2]string{
			{"If-None-Match", "*"},
			{"If-None-Match", `"0abc"`},
			{"If-Unmodified-Since", "Sat, 01 Jan 2000 00:00:00 GMT"},
		} {
			req := definitionRequest(method)
			req.Header.Set(hdr[0], hdr[1])
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), hdr[0]+" is not supported") {
				t.Errorf("%s with %s: %s: %d %s, want 400 saying it is not supported", method, hdr[0], hdr[1], rec.Code, rec.Body)
			}
		}
	}
	if calls := fb.callLog(); len(calls) != 0 {
		t.Errorf("the backend was called: %q", calls)
	}

	// A GET may carry them (a cache revalidating): an If-None-Match that
	// does not match the definition's tag is answered in full
	// (TestGetDefinitionConditions has the 304 and the 412).
	fb.mu.Lock()
	fb.defs["web"] = "[Service]\nExecStart=/bin/true\n"
	fb.mu.Unlock()
	req := httptest.NewRequest(http.MethodGet, "/v1/services/web/definition", nil)
	req.Header.Set("If-None-Match", `"0abc"`)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Errorf("GET with If-None-Match: %d %s", rec.Code, rec.Body)
	}
}
