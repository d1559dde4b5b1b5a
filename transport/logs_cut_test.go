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

// endAtCancel is a log reader as logsink's TailReader is once its
// context ends: it gives first, then waits, and returns io.EOF (not an
// error) when ctx is done, as a reader closed under it does.
type endAtCancel struct {
	ctx   context.Context
	first string
	sent  bool
}

func (r *endAtCancel) Read(p []byte) (int, error) {
	if !r.sent {
		r.sent = true
		return copy(p, r.first), nil
	}
	<-r.ctx.Done()
	return 0, io.EOF
}

func (r *endAtCancel) Close() error { return nil }

// A log read without follow that the server's request context cuts short
// (superd shutting down cancels the requests still in flight after a
// grace: a slow `supers logs --tail all` of a big log) is cut, never
// ended as if the log were all there: a script saving it would take a
// truncated log for a complete one.
func TestLogsUnfollowedCutByTheServerIsNotEnded(t *testing.T) {
	f := newFakeBackend("web")
	f.logReader = func(ctx context.Context, _ string, _ LogQuery) (io.ReadCloser, error) {
		return &endAtCancel{ctx: ctx, first: "line 1\n"}, nil
	}
	base, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	srv := httptest.NewUnstartedServer(NewHandler(f, HandlerOptions{}))
	srv.Config.BaseContext = func(net.Listener) context.Context { return base }
	srv.Start()
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/v1/services/web/logs?tail=all")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := make([]byte, len("line 1\n"))
	if _, err := io.ReadFull(resp.Body, buf); err != nil {
		t.Fatalf("first chunk: %v", err)
	}
	cancel(errors.New("shutting down"))
	rest, err := io.ReadAll(resp.Body)
	if err == nil {
		t.Fatalf("the answer ended cleanly after %q%q: a truncated log looks complete", buf, rest)
	}
}

// The same cut, when following, is the end of the stream: a follower
// has no end of its own, and superd ends it so.
func TestLogsFollowedEndedByTheServerEnds(t *testing.T) {
	f := newFakeBackend("web")
	f.logReader = func(ctx context.Context, _ string, _ LogQuery) (io.ReadCloser, error) {
		return &endAtCancel{ctx: ctx, first: "line 1\n"}, nil
	}
	base, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	srv := httptest.NewUnstartedServer(NewHandler(f, HandlerOptions{}))
	srv.Config.BaseContext = func(net.Listener) context.Context { return base }
	srv.Start()
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
	cancel(errors.New("shutting down"))
	if rest, err := io.ReadAll(resp.Body); err != nil {
		t.Fatalf("the followed stream was cut (read %q): %v", rest, err)
	}
}
