package transport

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestSocketBoundsConnections: the control socket serves at most so many
// connections at once (maxSocketConns; 3 here), and the next one as soon
// as one of them closes, its peer's credentials checked as any other's.
// It had no bound: a client leaking its connections could take every
// descriptor of superd, which then could neither start a service nor
// write a log.
func TestSocketBoundsConnections(t *testing.T) {
	path := filepath.Join(shortTempDir(t), "d.sock")
	ln, err := ListenUnix(path)
	if err != nil {
		t.Fatal(err)
	}
	const limit = 3
	srv := NewUnixServer(NewHandler(newFakeBackend("web"), HandlerOptions{}), DefaultSocketAccess(-1), nil)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln.acceptor(limit)) }()
	// The server closes the listener: closed first (a defer runs before
	// the cleanups), it made Serve fail with "use of closed network
	// connection" whenever the acceptor was in Accept by then.
	t.Cleanup(func() {
		_ = srv.Close()
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
		_ = ln.Close()
	})

	const request = "GET /v1/services/web HTTP/1.1\r\nHost: superd\r\n\r\n"
	ask := func(c net.Conn, r *bufio.Reader, within time.Duration) error {
		t.Helper()
		_ = c.SetReadDeadline(time.Now().Add(within))
		resp, err := http.ReadResponse(r, nil)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /v1/services/web: %s (the peer's credentials not read?)", resp.Status)
		}
		return nil
	}
	var held []net.Conn
	t.Cleanup(func() {
		for _, c := range held {
			_ = c.Close()
		}
	})
	for range limit {
		c, err := net.Dial("unix", path)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
		if _, err := c.Write([]byte(request)); err != nil {
			t.Fatal(err)
		}
		if err := ask(c, bufio.NewReader(c), 10*time.Second); err != nil {
			t.Fatalf("connection %d: %v", len(held), err)
		}
	}

	extra, err := net.Dial("unix", path) // the socket's backlog takes it
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	if _, err := extra.Write([]byte(request)); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(extra)
	if err := ask(extra, br, time.Second); err == nil {
		t.Fatalf("connection %d served while %d others are open", limit+1, limit)
	} else if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("connection %d: %v, want no answer yet", limit+1, err)
	}
	_ = held[0].Close()
	held = held[1:]
	if err := ask(extra, br, 10*time.Second); err != nil {
		t.Fatalf("connection %d once another closed: %v", limit+1, err)
	}
}
