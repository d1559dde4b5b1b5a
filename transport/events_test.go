package transport

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/supers-dev/supers/notify"
)

// testEvent returns an event of typ about service with a fixed time.
func testEvent(typ, service string, pid int) notify.Event {
	e := notify.NewEvent(typ, service)
	e.Time = time.Date(2026, 11, 25, 21, 3, 4, 123e6, time.UTC)
	e.PID = pid
	return e
}

// trackedHandler wraps h; the returned channel receives a value each time a
// request to it returns.
func trackedHandler(h http.Handler) (http.Handler, <-chan struct{}) {
	done := make(chan struct{}, 16)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() { done <- struct{}{} }()
		h.ServeHTTP(w, r)
	}), done
}

// waitDone waits for a value on done, failing the test after a deadline.
func waitDone(t *testing.T, done <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: handler did not return", what)
	}
}

// recv receives from c, failing the test after a deadline.
func recv[T any](t *testing.T, c <-chan T) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("nothing received")
		panic("unreachable")
	}
}

// readEventLine reads one NDJSON line and decodes it.
func readEventLine(t *testing.T, r *bufio.Reader) notify.Event {
	t.Helper()
	line, err := r.ReadBytes('\n')
	if err != nil {
		t.Fatalf("reading a line: %v (got %q)", err, line)
	}
	var e notify.Event
	if err := json.Unmarshal(line, &e); err != nil {
		t.Fatalf("decoding %q: %v", line, err)
	}
	return e
}

func TestHandlerEventsHistory(t *testing.T) {
	fb := newFakeBackend()
	fb.history = []notify.Event{testEvent(notify.TypeStart, "web", 1), testEvent(notify.TypeStart, "db", 2), testEvent(notify.TypeExit, "web", 1)}
	h, _ := newTestHandler(t, fb)

	a := serve(t, h, "GET", "/v1/events?service=web", nil)
	if a.status != http.StatusOK {
		t.Fatalf("status %d: %s", a.status, a.body)
	}
	if ct := a.header.Get("Content-Type"); ct != "application/x-ndjson" {
		t.Errorf("Content-Type = %q", ct)
	}
	lines := strings.Split(strings.TrimSuffix(string(a.body), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines: %q", len(lines), a.body)
	}
	for i, want := range []notify.Event{fb.history[0], fb.history[2]} {
		wantLine, _ := json.Marshal(want)
		if lines[i] != string(wantLine) {
			t.Errorf("line %d = %s, want %s", i, lines[i], wantLine)
		}
	}
	if got := fb.callLog(); !slices.Equal(got, []string{"events web follow=false"}) {
		t.Errorf("calls %q", got)
	}
}

func TestHandlerEventsEmpty(t *testing.T) {
	fb := newFakeBackend()
	h, _ := newTestHandler(t, fb)
	a := serve(t, h, "GET", "/v1/events", nil)
	if a.status != http.StatusOK || len(a.body) != 0 {
		t.Fatalf("status %d, body %q", a.status, a.body)
	}
	if got := fb.callLog(); !slices.Equal(got, []string{"events  follow=false"}) {
		t.Errorf("calls %q", got)
	}
}

func TestHandlerEventsBadArguments(t *testing.T) {
	h, _ := newTestHandler(t, newFakeBackend())
	for _, target := range []string{"/v1/events?service=a%2Fb", "/v1/events?service=a+b&follow=true", "/v1/events?follow=maybe"} {
		a := serve(t, h, "GET", target, nil)
		if a.status != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", target, a.status)
			continue
		}
		if msg := a.errorMessage(t); !strings.Contains(msg, "invalid argument") {
			t.Errorf("%s: message %q", target, msg)
		}
	}
}

// followStream starts a follow request to a real server and returns a
// reader of its body and a function canceling the request.
func followStream(t *testing.T, url string) (*bufio.Reader, context.CancelFunc) {
	t.Helper()
	// The deadline turns a stream that is not flushed into a failure
	// rather than a hang.
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = resp.Body.Close() })
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/x-ndjson" {
		t.Fatalf("status %d, Content-Type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return bufio.NewReader(resp.Body), cancel
}

func TestHandlerEventsFollow(t *testing.T) {
	fb := newFakeBackend()
	fb.history = []notify.Event{testEvent(notify.TypeStart, "web", 1)}
	fb.live = make(chan notify.Event)
	h, _ := newTestHandler(t, fb)
	tracked, done := trackedHandler(h)
	srv := httptest.NewServer(tracked)
	t.Cleanup(srv.Close)

	body, _ := followStream(t, srv.URL+"/v1/events?service=web&follow=true")
	// The history is readable while the stream stays open: it was flushed.
	if e := readEventLine(t, body); e.ID != fb.history[0].ID {
		t.Errorf("first line is %+v", e)
	}
	for i := range 2 {
		live := testEvent(notify.TypeExit, "web", 10+i)
		fb.live <- live // unbuffered: the handler took it
		if e := readEventLine(t, body); e.ID != live.ID || e.PID != live.PID {
			t.Errorf("live line %d is %+v, want %+v", i, e, live)
		}
	}
	close(fb.live)
	if rest, err := io.ReadAll(body); err != nil || len(rest) != 0 {
		t.Errorf("after Live closed: %q, %v; want a clean end", rest, err)
	}
	waitDone(t, done, "after Live closed")
	if got := fb.callLog(); !slices.Equal(got, []string{"events web follow=true"}) {
		t.Errorf("calls %q", got)
	}
}

func TestHandlerEventsFollowEndsWhenClientGoes(t *testing.T) {
	fb := newFakeBackend()
	fb.live = make(chan notify.Event) // never closed: only the client can end it
	h, _ := newTestHandler(t, fb)
	tracked, done := trackedHandler(h)
	srv := httptest.NewServer(tracked)
	t.Cleanup(srv.Close)

	body, cancel := followStream(t, srv.URL+"/v1/events?follow=1")
	live := testEvent(notify.TypeStart, "db", 7)
	fb.live <- live
	if e := readEventLine(t, body); e.ID != live.ID {
		t.Errorf("got %+v", e)
	}
	cancel()
	waitDone(t, done, "after the client went away")
}

func TestClientEvents(t *testing.T) {
	fb := newFakeBackend()
	fb.history = []notify.Event{testEvent(notify.TypeStart, "web", 1), testEvent(notify.TypeStart, "db", 2)}
	c := NewClient(serveUnix(t, NewHandler(fb, HandlerOptions{})))

	var got []notify.Event
	collect := func(e notify.Event) error { got = append(got, e); return nil }
	if err := c.Events(t.Context(), "", false, collect); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != fb.history[0].ID || got[1].ID != fb.history[1].ID {
		t.Fatalf("got %+v", got)
	}
	// The event survives the round trip.
	if !got[0].Time.Equal(fb.history[0].Time) || got[0].Version != notify.SchemaVersion || got[0].PID != 1 || got[0].Type != notify.TypeStart {
		t.Errorf("got %+v, want %+v", got[0], fb.history[0])
	}

	got = nil
	if err := c.Events(t.Context(), "db", false, collect); err != nil || len(got) != 1 || got[0].Service != "db" {
		t.Errorf("filtered: %+v, %v", got, err)
	}
	if err := c.Events(t.Context(), "a b", false, collect); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("bad name: %v", err)
	}
	stop := errors.New("enough")
	calls := 0
	err := c.Events(t.Context(), "", false, func(notify.Event) error { calls++; return stop })
	if err != stop || calls != 1 { //nolint:errorlint // fn's error comes back unwrapped
		t.Errorf("fn error: %v after %d calls", err, calls)
	}
}

func TestClientEventsFollow(t *testing.T) {
	fb := newFakeBackend()
	fb.history = []notify.Event{testEvent(notify.TypeStart, "web", 1)}
	fb.live = make(chan notify.Event)
	c := NewClient(serveUnix(t, NewHandler(fb, HandlerOptions{})))

	got := make(chan notify.Event)
	errc := make(chan error, 1)
	go func() {
		errc <- c.Events(t.Context(), "web", true, func(e notify.Event) error { got <- e; return nil })
	}()
	want := []notify.Event{fb.history[0], testEvent(notify.TypeExit, "web", 1), testEvent(notify.TypeRestart, "web", 0)}
	if e := recv(t, got); e.ID != want[0].ID {
		t.Errorf("history: %+v", e)
	}
	for _, w := range want[1:] {
		fb.live <- w
		if e := recv(t, got); e.ID != w.ID {
			t.Errorf("got %+v, want %+v", e, w)
		}
	}
	close(fb.live)
	if err := recv(t, errc); err != nil {
		t.Errorf("stream closed by superd: %v, want nil", err)
	}
}

func TestClientEventsFollowCanceled(t *testing.T) {
	fb := newFakeBackend()
	fb.live = make(chan notify.Event)
	c := NewClient(serveUnix(t, NewHandler(fb, HandlerOptions{})))

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	got := make(chan notify.Event, 1)
	errc := make(chan error, 1)
	go func() {
		errc <- c.Events(ctx, "", true, func(e notify.Event) error { got <- e; return nil })
	}()
	fb.live <- testEvent(notify.TypeStart, "web", 1)
	recv(t, got)
	cancel()
	if err := recv(t, errc); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

func TestClientEventsFromOlderDaemon(t *testing.T) {
	old := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such route: GET /v1/events")
	})
	c := NewClient(serveUnix(t, old))
	err := c.Events(t.Context(), "web", false, func(notify.Event) error { return nil })
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusNotFound || errors.Is(err, ErrUnknownService) {
		t.Errorf("got %v", err)
	}
}

func TestClientEventsMalformed(t *testing.T) {
	for name, body := range map[string]string{
		"not json":  "{\"type\":\"start\"}\nnope\n",
		"long line": "{\"reason\":\"" + strings.Repeat("x", maxEventLine) + "\"}\n",
	} {
		t.Run(name, func(t *testing.T) {
			c := NewClient(serveUnix(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", ndjsonContentType)
				_, _ = io.WriteString(w, body)
			})))
			n := 0
			err := c.Events(t.Context(), "", false, func(notify.Event) error { n++; return nil })
			if err == nil {
				t.Fatalf("no error after %d events", n)
			}
		})
	}
}

// A reload event naming tens of thousands of services (a rename of them
// all: each removed and added) is read whole: the client's bound on a
// line was 1 MiB, and such an event failed every later read of the
// history.
func TestClientEventsLargeReload(t *testing.T) {
	e := testEvent(notify.TypeReload, "", 0)
	for i := range 12000 {
		name := fmt.Sprintf("%s-%05d", strings.Repeat("s", 50), i)
		e.Removed = append(e.Removed, name+"-old")
		e.Added = append(e.Added, name)
	}
	line, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	if len(line) < 1<<20 {
		t.Fatalf("the event is only %d bytes", len(line))
	}
	after := testEvent(notify.TypeStart, "web", 1)
	next, _ := json.Marshal(after)
	c := NewClient(serveUnix(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", ndjsonContentType)
		_, _ = w.Write(append(append(line, '\n'), append(next, '\n')...))
	})))
	var got []notify.Event
	err = c.Events(t.Context(), "", false, func(e notify.Event) error { got = append(got, e); return nil })
	if err != nil || len(got) != 2 || len(got[0].Added) != 12000 || got[1].Service != "web" {
		t.Errorf("%d events, %v", len(got), err)
	}
}
