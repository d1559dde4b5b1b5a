package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supers-dev/supers/transport"
)

// refusingSocket serves a socket that, as superd's does once the
// connections kept for users other than root and superd's own are all
// taken, answers each connection 503 with transport.TooManyConnections
// and closes it; with holdFirst, the first connection (the command's
// request) is read and held unanswered, as a request under way.
func refusingSocket(t *testing.T, holdFirst bool) string {
	t.Helper()
	path := filepath.Join(shortTempDir(t), "s.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	body, err := json.Marshal(transport.ErrorBody{Error: transport.TooManyConnections, Code: transport.CodeUnavailable})
	if err != nil {
		t.Fatal(err)
	}
	body = append(body, '\n')
	answer := fmt.Sprintf("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	var (
		mu   sync.Mutex
		held []net.Conn
		wg   sync.WaitGroup
	)
	wg.Go(func() {
		for first := holdFirst; ; first = false {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if first {
				mu.Lock()
				held = append(held, c)
				mu.Unlock()
				wg.Go(func() { _, _ = http.ReadRequest(bufio.NewReader(c)) })
				continue
			}
			_, _ = c.Write([]byte(answer))
			_ = c.Close()
		}
	})
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		for _, c := range held {
			_ = c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return path
}

// TestTooManyConnectionsIsNotStarting: the socket's 503 to a connection
// past the share of users other than root and superd's own (code
// "unavailable", as a shutdown's) was read by supers as superd saying it
// is starting or shutting down: with a request under way, each refused
// probe pushed the wait's deadline back (without --timeout, for as long as
// the share stayed full), and with --timeout the command was "not done"
// as if superd held it. supers now tells that refusal apart: it is not
// "unavailable" to the waits, and a probe refused ends the wait at once
// with the refusal's message.
func TestTooManyConnectionsIsNotStarting(t *testing.T) {
	t.Parallel()
	// What the waits take for superd's start or shutdown.
	refused := &transport.APIError{StatusCode: http.StatusServiceUnavailable, Message: transport.TooManyConnections}
	if _, ok := superdUnavailable(refused); ok {
		t.Error("superdUnavailable takes the socket's refusal for superd's start or shutdown")
	}
	path := refusingSocket(t, false)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := transport.NewClient(path).ConfigErrors(ctx)
	if !connsRefused(err) {
		t.Errorf("connsRefused(%v) = false for the socket's refusal", err)
	}
	if _, ok := superdUnavailable(err); ok {
		t.Errorf("superdUnavailable(%v) takes the socket's refusal for superd's start or shutdown", err)
	}

	newApp := func(path string, given bool) (*app, *bytes.Buffer) {
		var out, errb bytes.Buffer
		return &app{stdout: &out, stderr: &errb, client: transport.NewClient(path), target: path,
			timeout: 300 * time.Millisecond, timeoutGiven: given, getenv: func(string) string { return "" }}, &errb
	}
	// A request under way, the probes refused: each wait ends at once
	// (well before the test's deadline) with the refusal, never as
	// superd holding the request.
	for _, tc := range []struct {
		name  string
		given bool
		do    func(ctx context.Context, a *app) error
	}{
		{"restart, waiting while superd is busy", false, func(ctx context.Context, a *app) error {
			_, err := a.waitOp(ctx, "a", a.client.Restart)
			return err
		}},
		{"reload, waiting while superd starts", false, func(ctx context.Context, a *app) error {
			return (&reloadCmd{}).Run(ctx, a)
		}},
		{"reload with --timeout", true, func(ctx context.Context, a *app) error {
			return (&reloadCmd{}).Run(ctx, a)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a, _ := newApp(refusingSocket(t, true), tc.given)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			err := tc.do(ctx, a)
			if ctx.Err() != nil {
				t.Fatalf("still waiting at the test's deadline: %v", err)
			}
			if !connsRefused(err) || errors.As(err, new(*notDoneError)) {
				t.Fatalf("error %v, want the socket's refusal", err)
			}
			if msg := a.describe(err); !strings.Contains(msg, transport.TooManyConnections) || strings.Contains(msg, "not done") {
				t.Errorf("supers says %q, want the refusal's message", msg)
			}
		})
	}
	t.Run("command line", func(t *testing.T) {
		t.Parallel()
		r := runAgainst(t, refusingSocket(t, true), "--timeout", "300ms", "reload")
		if r.code != exitError || !strings.Contains(r.stderr, transport.TooManyConnections) || strings.Contains(r.stderr, "not done") {
			t.Errorf("supers --timeout 300ms reload: exit %d, stderr %q; want 1 with the refusal's message", r.code, r.stderr)
		}
	})
}
