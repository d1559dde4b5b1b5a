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
// "unavailable" to the waits, and a wait whose deadline passes with its
// probes refused (refusedProbes in a row) ends with the refusal's
// message.
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
	// A request under way, the probes refused: each wait ends at its
	// --timeout (well before the test's deadline) with the refusal, never
	// as superd holding the request.
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

// TestRefusedProbeAfterStoppingKeepsTheRequest: a status probe refused
// by the socket (its share of connections full for a moment) cut the
// restart that the previous probe had shown under way ("stopping") at
// once, with the refusal as its error, while superd went on with it. A
// refused probe is now no news: the wait goes on, and the command ends
// with the restart's own answer.
func TestRefusedProbeAfterStoppingKeepsTheRequest(t *testing.T) {
	t.Parallel()
	refusedProbeKeepsTheRequest(t, 3)
}

// The first question of the wait, at --timeout, refused by the socket:
// with no answer yet it ended the wait at once, cutting the restart that
// the next question would have found under way. The refusal is asked
// again before it is the answer.
func TestRefusedFirstProbeKeepsTheRequest(t *testing.T) {
	t.Parallel()
	refusedProbeKeepsTheRequest(t, 2)
}

// refusedProbeKeepsTheRequest runs a restart against a fake superd that
// answers it only after the wait's questions went on past a refused one:
// connection refuseAt (2: the first question) gets the socket's refusal,
// the other questions "stopping". The restart must end with its own
// answer.
func refusedProbeKeepsTheRequest(t *testing.T, refuseAt int) {
	path := filepath.Join(shortTempDir(t), "s.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	body, err := json.Marshal(transport.ErrorBody{Error: transport.TooManyConnections, Code: transport.CodeUnavailable})
	if err != nil {
		t.Fatal(err)
	}
	refusal := fmt.Sprintf("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	reply := func(c net.Conn, state string) {
		defer c.Close()
		if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
			return
		}
		b, err := json.Marshal(transport.ServiceStatus{Name: "a", State: state})
		if err != nil {
			return
		}
		_, _ = fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s", len(b), b)
	}
	// The restart (the first connection) is answered once a probe has
	// come after the refused one: the wait went on past the refusal.
	probedAfter := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 1; ; i++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			switch i {
			case 1: // the restart: superd stops, then starts the service
				wg.Go(func() {
					select {
					case <-probedAfter:
					case <-t.Context().Done():
					}
					reply(c, transport.StateRunning)
				})
			case refuseAt: // refused: the share full for a moment
				_, _ = c.Write([]byte(refusal))
				_ = c.Close()
			case refuseAt + 1:
				close(probedAfter)
				fallthrough
			default: // still stopping
				wg.Go(func() { reply(c, transport.StateStopping) })
			}
		}
	})
	t.Cleanup(func() {
		_ = ln.Close()
		wg.Wait()
	})
	var out, errb bytes.Buffer
	a := &app{stdout: &out, stderr: &errb, client: transport.NewClient(path), target: path,
		timeout: 300 * time.Millisecond, getenv: func(string) string { return "" }}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	st, err := a.waitOp(ctx, "a", a.client.Restart)
	if err != nil {
		t.Fatalf("the restart superd said was under way ended with %v, want its own answer", err)
	}
	if st.State != transport.StateRunning {
		t.Errorf("restart answered %q, want %q", st.State, transport.StateRunning)
	}
}
