package transport

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// chunkReader is a Logs reader fed by a test: each string sent on chunks
// is one Read; closing chunks ends it with io.EOF, failing it with err.
// It ends with io.EOF when ctx ends, as a Backend's reader must.
type chunkReader struct {
	ctx       context.Context
	chunks    chan string
	err       error
	closed    chan struct{}
	closeOnce sync.Once
}

func newChunkReader(ctx context.Context) *chunkReader {
	return &chunkReader{ctx: ctx, chunks: make(chan string), closed: make(chan struct{})}
}

func (r *chunkReader) Read(p []byte) (int, error) {
	select {
	case c, ok := <-r.chunks:
		if !ok {
			if r.err != nil {
				return 0, r.err
			}
			return 0, io.EOF
		}
		return copy(p, c), nil
	case <-r.ctx.Done():
		return 0, io.EOF
	}
}

func (r *chunkReader) Close() error {
	r.closeOnce.Do(func() { close(r.closed) })
	return nil
}

// chunkBackend returns a fake backend whose Logs hands out a chunkReader,
// sent on the returned channel.
func chunkBackend() (*fakeBackend, <-chan *chunkReader) {
	fb := newFakeBackend("web")
	readers := make(chan *chunkReader, 1)
	fb.logReader = func(ctx context.Context, _ string, _ LogQuery) (io.ReadCloser, error) {
		r := newChunkReader(ctx)
		readers <- r
		return r, nil
	}
	return fb, readers
}

func TestHandlerLogsQuery(t *testing.T) {
	for _, tc := range []struct {
		query, call string
	}{
		{"", "logs web stream=stdout tail=10 follow=false"},
		{"?stream=stdout", "logs web stream=stdout tail=10 follow=false"},
		{"?stream=stderr&tail=3", "logs web stream=stderr tail=3 follow=false"},
		{"?tail=0&follow=true", "logs web stream=stdout tail=0 follow=true"},
		{"?tail=all&follow=0", "logs web stream=stdout tail=-1 follow=false"},
		{"?tail=1000000&follow=1", "logs web stream=stdout tail=1000000 follow=true"},
	} {
		fb := newFakeBackend("web")
		h, _ := newTestHandler(t, fb)
		a := serve(t, h, "GET", "/v1/services/web/logs"+tc.query, nil)
		if a.status != http.StatusOK {
			t.Errorf("%q: status %d, body %s", tc.query, a.status, a.body)
			continue
		}
		if calls := fb.callLog(); !slices.Equal(calls, []string{tc.call}) {
			t.Errorf("%q: backend calls %q, want [%q]", tc.query, calls, tc.call)
		}
	}
}

func TestHandlerLogsBadQuery(t *testing.T) {
	for _, tc := range []struct{ query, want string }{
		{"?stream=both", `stream="both"`},
		{"?stream=STDOUT", `stream="STDOUT"`},
		{"?tail=ten", `tail="ten"`},
		{"?tail=-1", `tail="-1"`},
		{"?tail=1.5", `tail="1.5"`},
		{"?tail=%2B5", `tail="+5"`}, // tail(1)'s "from line 5" is not "the last 5"
		{"?follow=maybe", `follow="maybe"`},
	} {
		fb := newFakeBackend("web")
		h, _ := newTestHandler(t, fb)
		a := serve(t, h, "GET", "/v1/services/web/logs"+tc.query, nil)
		if a.status != http.StatusBadRequest {
			t.Errorf("%q: status %d, want 400", tc.query, a.status)
			continue
		}
		if msg := a.errorMessage(t); !strings.Contains(msg, tc.want) || !strings.HasPrefix(msg, "invalid argument: ") {
			t.Errorf("%q: message %q does not name %s", tc.query, msg, tc.want)
		}
		if calls := fb.callLog(); len(calls) != 0 {
			t.Errorf("%q: backend called: %q", tc.query, calls)
		}
	}
}

func TestHandlerLogsTail(t *testing.T) {
	fb := newFakeBackend("web")
	var text strings.Builder
	for i := range 15 {
		text.WriteString("line " + string(rune('a'+i)) + "\n")
	}
	fb.logText = text.String()
	h, _ := newTestHandler(t, fb)

	a := serve(t, h, "GET", "/v1/services/web/logs", nil)
	if a.status != http.StatusOK {
		t.Fatalf("status %d, body %s", a.status, a.body)
	}
	if ct := a.header.Get("Content-Type"); ct != logsContentType {
		t.Errorf("Content-Type %q", ct)
	}
	if got := strings.Count(string(a.body), "\n"); got != DefaultLogTail || !strings.HasPrefix(string(a.body), "line f\n") {
		t.Errorf("default tail: %d lines: %q", got, a.body)
	}
	if a := serve(t, h, "GET", "/v1/services/web/logs?tail=2", nil); string(a.body) != "line n\nline o\n" {
		t.Errorf("tail=2: %q", a.body)
	}
	if a := serve(t, h, "GET", "/v1/services/web/logs?tail=all", nil); string(a.body) != fb.logText {
		t.Errorf("tail=all: %q", a.body)
	}
	if a := serve(t, h, "GET", "/v1/services/nope/logs", nil); a.status != http.StatusNotFound {
		t.Errorf("unknown service: status %d", a.status)
	}
}

func TestHandlerLogsHead(t *testing.T) {
	fb, readers := chunkBackend()
	h, _ := newTestHandler(t, fb)
	// A follower's HEAD answers at once, with the headers of the GET, and
	// the reader is closed.
	a := serve(t, h, "HEAD", "/v1/services/web/logs?follow=true", nil)
	if a.status != http.StatusOK || a.header.Get("Content-Type") != logsContentType || len(a.body) != 0 {
		t.Errorf("status %d, Content-Type %q, body %q", a.status, a.header.Get("Content-Type"), a.body)
	}
	recv(t, recv(t, readers).closed)
}

// openLogs starts GET url on a real server and returns its body.
func openLogs(t *testing.T, ctx context.Context, url string) io.ReadCloser {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = resp.Body.Close() })
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	return resp.Body
}

// readN reads exactly n bytes from r.
func readN(t *testing.T, r io.Reader, n int) string {
	t.Helper()
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		t.Fatalf("reading %d bytes: %v (got %q)", n, err, buf)
	}
	return string(buf)
}

func TestHandlerLogsFollowFlushesEachChunk(t *testing.T) {
	fb, readers := chunkBackend()
	h, _ := newTestHandler(t, fb)
	tracked, done := trackedHandler(h)
	srv := httptest.NewServer(tracked)
	t.Cleanup(srv.Close)

	// The deadline turns a chunk that is not flushed into a failure.
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	body := openLogs(t, ctx, srv.URL+"/v1/services/web/logs?follow=true")
	r := recv(t, readers)
	for _, chunk := range []string{"first line\n", "partial ", "rest\n"} {
		r.chunks <- chunk // unbuffered: the handler took it
		if got := readN(t, body, len(chunk)); got != chunk {
			t.Errorf("read %q, want %q", got, chunk)
		}
	}
	close(r.chunks)
	if rest, err := io.ReadAll(body); err != nil || len(rest) != 0 {
		t.Errorf("after the reader ended: %q, %v; want a clean end", rest, err)
	}
	waitDone(t, done, "after the reader ended")
	recv(t, r.closed)
}

func TestHandlerLogsClientGoneClosesReader(t *testing.T) {
	fb, readers := chunkBackend()
	h, _ := newTestHandler(t, fb)
	tracked, done := trackedHandler(h)
	srv := httptest.NewServer(tracked)
	t.Cleanup(srv.Close)

	ctx, cancel := context.WithCancel(t.Context())
	body := openLogs(t, ctx, srv.URL+"/v1/services/web/logs?follow=true&tail=0")
	r := recv(t, readers)
	r.chunks <- "hello\n"
	readN(t, body, len("hello\n"))
	cancel()
	waitDone(t, done, "after the client went away")
	recv(t, r.closed)
}

func TestHandlerLogsReadErrorCutsTheAnswer(t *testing.T) {
	got, logs := logsCutByReadError(t)
	if got != "some\n" {
		t.Errorf("read %q before the error", got)
	}
	if l := logs.String(); !strings.Contains(l, "level=ERROR") || !strings.Contains(l, "disk on fire") {
		t.Errorf("read error not logged:\n%s", l)
	}
}

// logsCutByReadError reads a log answer whose reader fails after "some\n"
// ("disk on fire"), checks that the answer is cut, not ended, and returns
// what was read before the cut, and the handler's log once the reader is
// closed.
func logsCutByReadError(t *testing.T) (string, *syncBuffer) {
	t.Helper()
	fb, readers := chunkBackend()
	h, logs := newTestHandler(t, fb)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	body := openLogs(t, ctx, srv.URL+"/v1/services/web/logs")
	r := recv(t, readers)
	r.chunks <- "some\n"
	r.err = errors.New("disk on fire")
	close(r.chunks)
	got, err := io.ReadAll(body)
	if err == nil {
		t.Fatalf("read %q and a clean end, want the answer cut", got)
	}
	recv(t, r.closed)
	return string(got), logs
}

func TestClientLogs(t *testing.T) {
	fb := newFakeBackend("web")
	fb.logText = "one\ntwo\nthree\n"
	c := NewClient(serveUnix(t, NewHandler(fb, HandlerOptions{})))

	for _, tc := range []struct {
		q    LogQuery
		want string
		call string
	}{
		{LogQuery{Tail: 2}, "two\nthree\n", "logs web stream=stdout tail=2 follow=false"},
		{LogQuery{Stream: StreamStderr, Tail: -1}, "one\ntwo\nthree\n", "logs web stream=stderr tail=-1 follow=false"},
		{LogQuery{}, "", "logs web stream=stdout tail=0 follow=false"},
	} {
		rc, err := c.Logs(t.Context(), "web", tc.q)
		if err != nil {
			t.Fatalf("%+v: %v", tc.q, err)
		}
		got, err := io.ReadAll(rc)
		_ = rc.Close()
		if err != nil || string(got) != tc.want {
			t.Errorf("%+v: %q, %v; want %q", tc.q, got, err, tc.want)
		}
		if calls := fb.callLog(); calls[len(calls)-1] != tc.call {
			t.Errorf("%+v: backend call %q, want %q", tc.q, calls[len(calls)-1], tc.call)
		}
	}

	_, err := c.Logs(t.Context(), "nope", LogQuery{})
	if !errors.Is(err, ErrUnknownService) {
		t.Errorf("unknown service: %v", err)
	}
	_, err = c.Logs(t.Context(), "web", LogQuery{Stream: "stdin"})
	var apiErr *APIError
	if !errors.As(err, &apiErr) || !errors.Is(err, ErrInvalidArgument) || !strings.Contains(apiErr.Message, "stdin") {
		t.Errorf("bad stream: %v", err)
	}
	if _, err = c.Logs(t.Context(), "..", LogQuery{}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("bad name: %v", err)
	}
}

func TestClientLogsFollowCanceled(t *testing.T) {
	fb, readers := chunkBackend()
	c := NewClient(serveUnix(t, NewHandler(fb, HandlerOptions{})))

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	rc, err := c.Logs(ctx, "web", LogQuery{Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	r := recv(t, readers)
	lines := bufio.NewReader(rc)
	r.chunks <- "live\n"
	if line, err := lines.ReadString('\n'); err != nil || line != "live\n" {
		t.Fatalf("read %q, %v", line, err)
	}
	cancel()
	if _, err := lines.ReadString('\n'); !errors.Is(err, context.Canceled) {
		t.Errorf("after cancel: %v, want context.Canceled", err)
	}
	recv(t, r.closed)
}
