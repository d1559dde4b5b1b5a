package transport

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

// endAt is a log reader that gives first, then waits, and returns io.EOF
// (not an error) once done is closed: as logsink's TailReader does when
// its context ends (a reader closed under it), and as superd's follower
// does at shutdown once it has read the services' last output.
type endAt struct {
	done  <-chan struct{}
	first string
	sent  bool
}

func (r *endAt) Read(p []byte) (int, error) {
	if !r.sent {
		r.sent = true
		return copy(p, r.first), nil
	}
	<-r.done
	return 0, io.EOF
}

func (r *endAt) Close() error { return nil }

// A log read without follow that the server's request context cuts short
// (superd shutting down cancels the requests still in flight after a
// grace: a slow `supers logs --tail all` of a big log) is cut, never
// ended as if the log were all there: a script saving it would take a
// truncated log for a complete one.
func TestLogsUnfollowedCutByTheServerIsNotEnded(t *testing.T) {
	logsCutByTheServer(t, "tail=all")
}

// The same cut, when following: superd ends a follower itself at
// shutdown, once it has read the services' last output (the reader says
// io.EOF while the request goes on); a request context that ends first
// (the grace of superd's shutdown ran out, behind a slow client) cut the
// follower short of that output, and it was ended as if complete: a slow
// "supers logs -f" got 105 984 of 300 001 lines, then "superd closed the
// log stream". It is cut, so that the client says so.
func TestLogsFollowedCutByTheServerIsCut(t *testing.T) {
	logsCutByTheServer(t, "follow=true")
}

// logsCutByTheServer reads the first line of a log answer (query), then
// ends the server's request context, and fails unless the rest of the
// answer is cut.
func logsCutByTheServer(t *testing.T, query string) {
	t.Helper()
	f := newFakeBackend("web")
	f.logReader = func(ctx context.Context, _ string, _ LogQuery) (io.ReadCloser, error) {
		return &endAt{done: ctx.Done(), first: "line 1\n"}, nil
	}
	base, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	srv := httptest.NewUnstartedServer(NewHandler(f, HandlerOptions{}))
	srv.Config.BaseContext = func(net.Listener) context.Context { return base }
	srv.Start()
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/v1/services/web/logs?" + query)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := make([]byte, len("line 1\n"))
	if _, err := io.ReadFull(resp.Body, buf); err != nil {
		t.Fatalf("first chunk: %v", err)
	}
	cancel(errors.New("shutting down"))
	if rest, err := io.ReadAll(resp.Body); err == nil {
		t.Fatalf("the answer ended cleanly after %q%q: a truncated log looks complete", buf, rest)
	}
}

// A follower the backend ends (superd at shutdown, once the last output is
// read), its request still going, ends cleanly.
func TestLogsFollowedEndedByTheBackendEnds(t *testing.T) {
	finish := make(chan struct{})
	f := newFakeBackend("web")
	f.logReader = func(context.Context, string, LogQuery) (io.ReadCloser, error) {
		return &endAt{done: finish, first: "line 1\n"}, nil
	}
	srv := httptest.NewServer(NewHandler(f, HandlerOptions{}))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/v1/services/web/logs?follow=true")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := make([]byte, len("line 1\n"))
	if _, err := io.ReadFull(resp.Body, buf); err != nil {
		t.Fatalf("first chunk: %v", err)
	}
	close(finish)
	if rest, err := io.ReadAll(resp.Body); err != nil {
		t.Fatalf("the stream the backend ended was cut (read %q): %v", rest, err)
	}
}
