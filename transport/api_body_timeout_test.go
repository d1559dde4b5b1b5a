package transport

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestBodyNotSentInTimeIs408: a client that stalls in the middle of its
// body past the server's ReadTimeout gets a 408 saying so, not a 400
// "invalid argument" quoting the server's socket error (which supers
// would report as a usage error).
func TestBodyNotSentInTimeIs408(t *testing.T) {
	fb := newFakeBackend("web")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(NewHandler(fb, HandlerOptions{}))
	srv.ReadTimeout = 300 * time.Millisecond // 30 s in superd
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		_ = srv.Close()
		<-done
	})

	for _, tc := range []struct{ method, path, body string }{
		{http.MethodPost, "/v1/services/web/signal", `{"signal":`},
		{http.MethodPut, "/v1/services/web/definition", "[Service]\n"},
	} {
		t.Run(tc.method, func(t *testing.T) {
			conn, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			// Announce more than is sent, then stall.
			if _, err := fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: superd\r\nContent-Length: 100\r\n\r\n%s", tc.method, tc.path, tc.body); err != nil {
				t.Fatal(err)
			}
			_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			var eb ErrorBody
			if err := json.Unmarshal(body, &eb); err != nil {
				t.Fatalf("%s: body %q: %v", resp.Status, body, err)
			}
			if resp.StatusCode != http.StatusRequestTimeout {
				t.Fatalf("%s %s, want 408", resp.Status, body)
			}
			if strings.Contains(eb.Error, "127.0.0.1") || strings.Contains(eb.Error, "invalid argument") {
				t.Errorf("message %q", eb.Error)
			}
		})
	}
}

// TestBodyOfARouteThatTakesNoneIsRefusedAtOnce: a body sent to a route
// that takes none (stop, reload) is refused with a 400 before anything is
// done, and at once, even while it is still arriving. The action was
// carried out, the body ignored ({"dry_run":true} to a reload), and its
// answer held until the body came or the server's ReadTimeout passed.
func TestBodyOfARouteThatTakesNoneIsRefusedAtOnce(t *testing.T) {
	fb := newFakeBackend("web")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(NewHandler(fb, HandlerOptions{}))
	srv.ReadTimeout = time.Hour // the answer must not wait for it
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		_ = srv.Close()
		<-done
	})
	for _, path := range []string{"/v1/services/web/stop", "/v1/reload"} {
		conn, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		// Announce more than is sent, then stall.
		if _, err := fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: superd\r\nContent-Length: 100\r\n\r\n{\"dry", path); err != nil {
			t.Fatal(err)
		}
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("POST %s: %v", path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		conn.Close()
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "takes no request body") {
			t.Errorf("POST %s with a body: %s %s, want 400 saying it takes none", path, resp.Status, body)
		}
	}
	if calls := fb.callLog(); len(calls) != 0 {
		t.Errorf("the backend was called: %q", calls)
	}
}
