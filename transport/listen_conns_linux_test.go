package transport

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
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
	go func() { served <- srv.Serve(ln.acceptor(limit, 0, nil)) }()
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

// TestSocketKeepsConnectionsForRoot: the last of the socket's connections
// are kept for root and superd's own user. A member of the socket group
// who held every connection (idle followers) locked root's CLI out of the
// socket for as long as they liked; past its share, such a user's next
// connection is now answered 503 at once, and logged, while root's are
// served.
func TestSocketKeepsConnectionsForRoot(t *testing.T) {
	path := filepath.Join(shortTempDir(t), "d.sock")
	ln, err := ListenUnix(path)
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	acc := ln.acceptor(4, 2, slog.New(slog.NewTextHandler(&logs, nil))).(*reservingListener)
	var other atomic.Bool // the next connection is another user's
	acc.credOf = func(net.Conn) (PeerCred, error) {
		if other.Load() {
			return PeerCred{UID: 4242, PID: 1}, nil
		}
		return PeerCred{UID: os.Geteuid()}, nil
	}
	srv := NewUnixServer(NewHandler(newFakeBackend("web"), HandlerOptions{}), DefaultSocketAccess(-1), nil)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(acc) }()
	t.Cleanup(func() {
		_ = srv.Close()
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
		_ = ln.Close()
	})

	var held []net.Conn
	t.Cleanup(func() {
		for _, c := range held {
			_ = c.Close()
		}
	})
	// ask opens a connection, asks for a status and returns the answer's
	// status code; the connection is kept open.
	ask := func() int {
		t.Helper()
		c, err := net.Dial("unix", path)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
		// A refused connection may be closed before the request is
		// written (EPIPE): its answer is read all the same.
		_, _ = c.Write([]byte("GET /v1/services/web HTTP/1.1\r\nHost: superd\r\n\r\n"))
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("connection %d: %v", len(held), err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode == http.StatusServiceUnavailable {
			// The JSON error every other answer of superd's has: it
			// was plain text, which a client of the API could not read.
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("503 Content-Type %q, want application/json", ct)
			}
			var eb ErrorBody
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&eb); err != nil {
				t.Errorf("503 body %q: %v", body, err)
			}
			if !strings.Contains(eb.Error, "too many connections") || eb.Code != CodeUnavailable {
				t.Errorf("503 body %q: want the too-many-connections message with code %q", body, CodeUnavailable)
			}
		}
		return resp.StatusCode
	}
	other.Store(true)
	for i := range 2 {
		if code := ask(); code != http.StatusOK {
			t.Fatalf("another user's connection %d of its 2: %d", i+1, code)
		}
	}
	if code := ask(); code != http.StatusServiceUnavailable {
		t.Fatalf("another user's third connection: %d, want 503", code)
	}
	// The Go client reads it as superd's own 503.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = NewClient(path).Status(ctx, "web")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Foreign() || !errors.Is(err, ErrUnavailable) || !errors.Is(err, ErrTooManyConnections) || apiErr.Error() != TooManyConnections {
		t.Errorf("the client, past the others' share: %v, want superd's 503 %q", err, TooManyConnections)
	}
	other.Store(false)
	for i := range 2 {
		if code := ask(); code != http.StatusOK {
			t.Fatalf("root's connection %d, the others' share taken: %d", i+1, code)
		}
	}
	if !strings.Contains(logs.String(), "control connection refused") || !strings.Contains(logs.String(), "uid=4242") {
		t.Errorf("refusal not logged:\n%s", logs.String())
	}
	// Every connection is taken now: the next one waits, unanswered, and
	// the log says why (root's CLI only saw its --timeout pass).
	if strings.Contains(logs.String(), "all its connections are in use") {
		t.Errorf("the wait was logged before a connection waited:\n%s", logs.String())
	}
	next, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	held = append(held, next)
	waitFor(t, "the wait for a connection slot logged", func() bool {
		return strings.Contains(logs.String(), "control socket: all its connections are in use") && strings.Contains(logs.String(), "limit=4")
	})
}
