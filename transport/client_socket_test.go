package transport

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// connTracker counts the connections a server accepted and those it saw
// closed.
type connTracker struct {
	mu             sync.Mutex
	opened, closed int
}

func (c *connTracker) track(_ net.Conn, state http.ConnState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch state {
	case http.StateNew:
		c.opened++
	case http.StateClosed, http.StateHijacked:
		c.closed++
	}
}

func (c *connTracker) counts() (opened, closed int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.opened, c.closed
}

// serveTracked serves h on a new socket and returns its path and the
// tracker of its connections.
func serveTracked(t *testing.T, h http.Handler) (string, *connTracker) {
	t.Helper()
	path := filepath.Join(shortTempDir(t), "superd.sock")
	ln, err := ListenUnix(path)
	if err != nil {
		t.Fatal(err)
	}
	tracker := &connTracker{}
	srv := NewServer(h)
	srv.ConnState = tracker.track
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		_ = srv.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
	return path, tracker
}

// waitFor polls cond until it holds, failing the test after 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestSocketClientClosesEachConnection(t *testing.T) {
	fb := newFakeBackend("web", "db")
	socket, tracker := serveTracked(t, NewHandler(fb, HandlerOptions{}))
	c := NewClient(socket)
	for range 3 {
		if _, err := c.Status(t.Context(), "web"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.List(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Restart(t.Context(), "nope"); !errors.Is(err, ErrUnknownService) {
		t.Fatalf("got %v", err)
	}
	// One connection a request, each closed once answered: none is kept
	// for later, with goroutines of its own.
	waitFor(t, "the server to see 5 connections closed", func() bool {
		opened, closed := tracker.counts()
		return opened == 5 && closed == 5
	})
}

func TestSocketClientBodyClose(t *testing.T) {
	fb := newFakeBackend("web")
	fb.logReader = func(ctx context.Context, _ string, _ LogQuery) (io.ReadCloser, error) {
		// Some output, then nothing until the client goes.
		return io.NopCloser(io.MultiReader(strings.NewReader("line 1\n"), &blockingReader{ctx: ctx})), nil
	}
	socket, tracker := serveTracked(t, NewHandler(fb, HandlerOptions{}))
	c := NewClient(socket)
	rc, err := c.Logs(t.Context(), "web", LogQuery{Tail: -1, Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	n, err := rc.Read(buf)
	if err != nil || string(buf[:n]) != "line 1\n" {
		t.Fatalf("read %q, %v", buf[:n], err)
	}
	// Closing a followed stream must not wait for its end, which never
	// comes: it closes the connection.
	closed := make(chan error, 1)
	go func() { closed <- rc.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatalf("Close: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close blocked")
	}
	waitFor(t, "the server to see the connection closed", func() bool {
		_, closed := tracker.counts()
		return closed == 1
	})
	if _, err := rc.Read(buf); err == nil {
		t.Error("Read after Close succeeded")
	}
}

func TestSocketClientBodyReadEndsWithContext(t *testing.T) {
	fb := newFakeBackend("web")
	fb.logReader = func(ctx context.Context, _ string, _ LogQuery) (io.ReadCloser, error) {
		return io.NopCloser(io.MultiReader(strings.NewReader("line 1\n"), &blockingReader{ctx: ctx})), nil
	}
	socket, _ := serveTracked(t, NewHandler(fb, HandlerOptions{}))
	c := NewClient(socket)
	ctx, cancel := context.WithCancelCause(t.Context())
	req, err := c.newRequest(ctx, http.MethodGet, "/v1/services/web/logs?follow=true", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := io.ReadFull(resp.Body, make([]byte, len("line 1\n"))); err != nil {
		t.Fatal(err)
	}
	// A read waiting for more returns once the context ends, with the
	// context's cause, as the body of an http.Transport does.
	read := make(chan error, 1)
	go func() {
		_, err := resp.Body.Read(make([]byte, 64))
		read <- err
	}()
	cause := errors.New("the user had enough")
	cancel(cause)
	select {
	case err := <-read:
		if !errors.Is(err, cause) {
			t.Fatalf("got %v, want %v", err, cause)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Read still blocked after the context ended")
	}
}

// blockingReader reads nothing until ctx ends.
type blockingReader struct{ ctx context.Context }

func (r *blockingReader) Read([]byte) (int, error) {
	<-r.ctx.Done()
	return 0, r.ctx.Err()
}

func TestSocketClientAnswerToUnreadBody(t *testing.T) {
	fb := newFakeBackend("web")
	c := NewClient(serveUnix(t, NewHandler(fb, HandlerOptions{})))
	// superd refuses the body at once, unread, and closes the connection
	// while the client is still writing it: the client reports superd's
	// answer, not the broken pipe.
	_, err := c.PutDefinition(t.Context(), "web", make([]byte, 8<<20), "")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("got %v, want an APIError 413", err)
	}
	// The answer says what the limit is.
	if !strings.Contains(err.Error(), "at most 1 MiB") {
		t.Errorf("error %q does not give the limit", err)
	}
}

// httpTransportClient is a socket client as NewClient made it before it
// had socketTransport: over an http.Transport.
func httpTransportClient(socketPath string) *Client {
	var dialer net.Dialer
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			conn, err := dialer.DialContext(ctx, "unix", socketPath)
			if err != nil {
				return nil, &dialError{err: err}
			}
			return conn, nil
		},
		MaxIdleConns:       2,
		DisableCompression: true,
		// serveRaw answers one request per connection: a connection kept
		// for the next request would race with its close (EOF on a POST).
		DisableKeepAlives: true,
	}
	return &Client{http: newHTTPClient(tr), baseURL: "http://superd", target: socketPath}
}

// serveRaw answers each request on a new socket with answer, written as
// is, then closes the connection.
func serveRaw(t *testing.T, answer string) string {
	t.Helper()
	path := filepath.Join(shortTempDir(t), "superd.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		_ = ln.Close()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer conn.Close()
				if _, err := http.ReadRequest(bufio.NewReader(conn)); err == nil {
					_, _ = io.WriteString(conn, answer)
				}
				// Closing a unix socket with unread data resets it, and the
				// client might see the reset instead of the answer: end the
				// answer with a half close, then read what the client still
				// sends until it closes (or 2 s).
				_ = conn.(*net.UnixConn).CloseWrite()
				_ = conn.SetReadDeadline(time.Now().Add(2 * time.Second))
				_, _ = io.Copy(io.Discard, conn)
			})
		}
	})
	return path
}

// TestSocketClientFailsAsHTTPTransport checks that a socket client reports
// a superd that answers wrong as it did over an http.Transport.
func TestSocketClientFailsAsHTTPTransport(t *testing.T) {
	for _, answer := range []string{
		"", // closed without an answer
		"hello\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"name\":",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n[{\"na",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]",
		"HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\n{}",
		"HTTP/1.1 500 Oops\r\n\r\n{\"error\":\"broken\"}",
		"HTTP/1.1 301 Moved\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
		"HTTP/1.0 200 OK\r\n\r\n{\"name\":\"web\",\"state\":\"running\"}",
	} {
		socket := serveRaw(t, answer)
		ours, theirs := NewClient(socket), httpTransportClient(socket)
		for _, call := range []struct {
			name string
			do   func(*Client) error
		}{
			{"Status", func(c *Client) error { _, err := c.Status(t.Context(), "web"); return err }},
			{"Stop", func(c *Client) error { _, err := c.Stop(t.Context(), "web"); return err }},
			{"List", func(c *Client) error { _, err := c.List(t.Context()); return err }},
			{"Logs", func(c *Client) error {
				rc, err := c.Logs(t.Context(), "web", LogQuery{})
				if err != nil {
					return err
				}
				defer rc.Close()
				_, err = io.ReadAll(rc)
				return err
			}},
		} {
			if got, want := fmt.Sprint(call.do(ours)), fmt.Sprint(call.do(theirs)); got != want {
				t.Errorf("%q, %s: got %s\nwant %s", answer, call.name, got, want)
			}
		}
	}
}
