package transport

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// A chunked request whose body is empty (only the last chunk), as a client
// that streams its bodies sends, is a request without a body: a restart
// is carried out. A chunked body that holds anything is still refused.
func TestChunkedEmptyBodyIsNoBody(t *testing.T) {
	fb := newFakeBackend("web")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(NewHandler(fb, HandlerOptions{}))
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		_ = srv.Close()
		<-done
	})
	post := func(path, chunks string) (int, string) {
		t.Helper()
		conn, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: superd\r\nTransfer-Encoding: chunked\r\n\r\n%s", path, chunks); err != nil {
			t.Fatal(err)
		}
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("POST %s: %v", path, err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}

	if code, body := post("/v1/services/web/restart", "0\r\n\r\n"); code != http.StatusOK {
		t.Errorf("restart with an empty chunked body: %d %s, want 200", code, body)
	}
	if calls := fb.callLog(); len(calls) != 1 || !strings.Contains(calls[0], "restart") {
		t.Errorf("backend calls %q, want the restart", calls)
	}
	if code, body := post("/v1/reload", "3\r\n{}\n\r\n0\r\n\r\n"); code != http.StatusBadRequest || !strings.Contains(body, "takes no request body") {
		t.Errorf("reload with a chunked body: %d %s, want 400 saying it takes none", code, body)
	}
	if calls := fb.callLog(); len(calls) != 1 {
		t.Errorf("backend calls %q, want the restart only", calls)
	}
}
