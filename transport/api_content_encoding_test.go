package transport

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A request body with a content coding superd does not decode (any but
// identity) is a 415 naming it, on every route that reads a body, and the
// backend is not called: a gzipped definition used to be refused as "not
// valid UTF-8", a plain body labelled br taken as it is.
func TestContentEncodingIsRefused(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte("[Service]\nExecStart=/bin/true\n"))
	_ = zw.Close()
	for _, tc := range []struct {
		method, path, coding, body string
	}{
		{http.MethodPut, "/v1/services/web/definition", "gzip", gz.String()},
		{http.MethodPut, "/v1/services/web/definition", "br", "[Service]\nExecStart=/bin/true\n"},
		{http.MethodPut, "/v1/services/web/definition", "identity, gzip", gz.String()},
		{http.MethodPost, "/v1/services/web/signal", "deflate", `{"signal":"HUP"}`},
	} {
		fb := newFakeBackend("web")
		h := NewHandler(fb, HandlerOptions{})
		req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
		req.Header.Set("Content-Encoding", tc.coding)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		named := strings.TrimSpace(tc.coding[strings.LastIndex(tc.coding, ",")+1:])
		if rec.Code != http.StatusUnsupportedMediaType || !strings.Contains(rec.Body.String(), `\"`+named+`\"`) || rec.Header().Get("Accept-Encoding") != "identity" {
			t.Errorf("%s %s, Content-Encoding %s: %d %s (Accept-Encoding %q); want 415 naming %s", tc.method, tc.path, tc.coding, rec.Code, rec.Body, rec.Header().Get("Accept-Encoding"), named)
		}
		if calls := fb.callLog(); len(calls) != 0 {
			t.Errorf("%s %s: the backend was called: %q", tc.method, tc.path, calls)
		}
	}
	// identity is no coding.
	h := NewHandler(newFakeBackend("web"), HandlerOptions{})
	req := httptest.NewRequest(http.MethodPost, "/v1/services/web/signal", strings.NewReader(`{"signal":"HUP"}`))
	req.Header.Set("Content-Encoding", "identity")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code == http.StatusUnsupportedMediaType {
		t.Errorf("Content-Encoding identity: %d %s", rec.Code, rec.Body)
	}
}
