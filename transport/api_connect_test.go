package transport

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A CONNECT request (a client taking superd's port for a proxy) has no
// path: its 404 names the target it gave, and suggests no "clean path"
// (it said "no such route: CONNECT  (did you mean /?)").
func TestHandlerConnectNamesItsTarget(t *testing.T) {
	h, _ := newTestHandler(t, newFakeBackend("web"))
	req, err := http.ReadRequest(bufio.NewReader(strings.NewReader("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")))
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	a := answer{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	if a.status != http.StatusNotFound {
		t.Fatalf("status %d, want 404", a.status)
	}
	if msg := a.errorMessage(t); msg != "no such route: CONNECT example.com:443" {
		t.Errorf("message %q", msg)
	}
}
