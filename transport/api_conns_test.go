package transport

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"testing"
	"time"
)

// TestTCPBoundsConnections checks that the TCP API serves at most
// maxTCPConns connections at once: without a bound, anyone who can reach
// the port (no token needed to connect) could take every file descriptor
// of superd, which then could neither start its services (EMFILE making
// their pipes) nor accept a connection on its control socket. The
// connections beyond the bound wait in the kernel's backlog until one
// closes.
func TestTCPBoundsConnections(t *testing.T) {
	srv := serveTCP(t, newFakeBackend("web"), TCPOptions{})

	// Hold maxTCPConns keep-alive connections, each with one request
	// answered: the server has accepted them all. With the token: the
	// server keeps no connection of a client without it.
	held := make([]net.Conn, 0, maxTCPConns)
	t.Cleanup(func() {
		for _, c := range held {
			_ = c.Close()
		}
	})
	const request = "GET /healthz HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + testToken + "\r\n\r\n"
	ask := func(c net.Conn, within time.Duration) error {
		if _, err := c.Write([]byte(request)); err != nil {
			return err
		}
		_ = c.SetReadDeadline(time.Now().Add(within))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /healthz: %s", resp.Status)
		}
		return nil
	}
	for range maxTCPConns {
		c, err := net.Dial("tcp", srv.addr)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
		if err := ask(c, 10*time.Second); err != nil {
			t.Fatalf("connection %d: %v", len(held), err)
		}
	}

	// One more is not served while they are all open...
	extra, err := net.Dial("tcp", srv.addr) // the kernel's backlog takes it
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	if _, err := extra.Write([]byte(request)); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(extra)
	_ = extra.SetReadDeadline(time.Now().Add(time.Second))
	if resp, err := http.ReadResponse(br, nil); err == nil {
		resp.Body.Close()
		t.Fatalf("connection %d served (%s) while %d others are open", maxTCPConns+1, resp.Status, maxTCPConns)
	} else if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("connection %d: %v, want no answer yet", maxTCPConns+1, err)
	}

	// ...and is as soon as one of them closes.
	_ = held[0].Close()
	held = held[1:]
	_ = extra.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("connection %d once another closed: %v", maxTCPConns+1, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("connection %d once another closed: %s", maxTCPConns+1, resp.Status)
	}
}

// TestLimitListenerCloseEndsAWaitingAccept: a server whose connections are
// all taken still shuts down: Close ends an Accept waiting for a slot. And
// the wait is said (full): the connections that come meanwhile wait in the
// kernel's backlog, unanswered, where a client sees only a timeout (root's
// CLI, once root's own followers held the socket's 512).
func TestLimitListenerCloseEndsAWaitingAccept(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var full atomic.Int32
	ln := newLimitListener(inner, 1, func() { full.Add(1) })
	client, err := net.Dial("tcp", inner.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	conn, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	accepted := make(chan error, 1)
	go func() {
		c, err := ln.Accept() // no slot: waits
		if c != nil {
			c.Close()
		}
		accepted <- err
	}()
	// Said once a connection comes to wait, not before.
	time.Sleep(20 * time.Millisecond) // lets a wrong Accept say it too early
	if n := full.Load(); n != 0 {
		t.Errorf("full was called %d times before any connection waited", n)
	}
	waiting, err := net.Dial("tcp", inner.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer waiting.Close()
	deadline := time.Now().Add(10 * time.Second)
	for full.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-accepted:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("Accept after Close: %v, want net.ErrClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Accept still waits for a slot after Close")
	}
	if n := full.Load(); n != 1 {
		t.Errorf("full was called %d times, want once (the connection that waited)", n)
	}
	if err := ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		t.Errorf("second Close: %v", err)
	}
}
