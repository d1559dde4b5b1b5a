package transport

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/supers-dev/supers/notify"
)

// endlessLog is a log that never ends; Close reports through closed.
type endlessLog struct {
	once   sync.Once
	closed chan struct{}
}

func (e *endlessLog) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

func (e *endlessLog) Close() error {
	e.once.Do(func() { close(e.closed) })
	return nil
}

// stalledClient sends a GET for path and never reads the answer.
func stalledClient(t *testing.T, addr, path string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n", path); err != nil {
		t.Fatal(err)
	}
}

// TestStreamCutsAStalledClient: a client that stops reading a streamed
// answer (logs or events, followed) is cut once a chunk has waited
// writeTimeout, so that it does not hold its connection, a goroutine
// and the log it reads forever.
func TestStreamCutsAStalledClient(t *testing.T) {
	for _, tc := range []struct{ name, path string }{
		{"logs", "/v1/services/web/logs?follow=true"},
		{"events", "/v1/events?follow=true"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeBackend("web")
			log := &endlessLog{closed: make(chan struct{})}
			f.logReader = func(context.Context, string, LogQuery) (io.ReadCloser, error) { return log, nil }
			f.live = make(chan notify.Event)
			var logged syncBuffer
			h := NewHandler(f, HandlerOptions{Logger: slog.New(slog.NewTextHandler(&logged, nil))}).(*handler)
			h.writeTimeout = 200 * time.Millisecond
			returned := make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				defer close(returned)
				h.ServeHTTP(w, r)
			}))
			t.Cleanup(srv.Close) // after the client's connection is closed (LIFO)
			stalledClient(t, srv.Listener.Addr().String(), tc.path)

			// Events keep coming (a busy superd) until the handler gives up.
			feed := make(chan struct{})
			go func() {
				defer close(feed)
				e := notify.Event{ID: "x", Type: "start", Service: "web", Host: string(make([]byte, 512))}
				for {
					select {
					case f.live <- e:
					case <-returned:
						return
					}
				}
			}()
			select {
			case <-returned:
			case <-time.After(20 * time.Second):
				t.Fatal("the handler still writes to a client that stopped reading")
			}
			<-feed
			// superd says why the follower stopped getting output.
			if !strings.Contains(logged.String(), `msg="stream cut: the client left it unread"`) {
				t.Errorf("the cut was not logged:\n%s", logged.String())
			}
			if tc.name == "logs" {
				select {
				case <-log.closed:
				case <-time.After(10 * time.Second):
					t.Error("the log reader was not closed")
				}
			}
		})
	}
}

// TestAnswerCutsAStalledClient: a client that stops reading an answer that
// is not streamed (a long list left in a pager, a script stopped with ^Z)
// is cut once the answer has waited writeTimeout, like a stream's, instead
// of holding its connection and a goroutine for as long as it stalls. The
// next request on a connection gets its own time: the deadline an earlier
// answer armed does not cut a later one.
func TestAnswerCutsAStalledClient(t *testing.T) {
	names := make([]string, 20000) // about 1.4 MB of JSON: more than a socket's buffers
	for i := range names {
		names[i] = fmt.Sprintf("s%05d", i)
	}
	backend := newFakeBackend(names...)
	// short cuts the stalled client soon, and arms the deadline a later
	// request must not trip on. That later request is answered by a
	// handler with superd's own writeTimeout: a client that reads must
	// not be raced against a test's short bound on a busy machine.
	short := NewHandler(backend, HandlerOptions{}).(*handler)
	short.writeTimeout = 200 * time.Millisecond
	long := NewHandler(backend, HandlerOptions{})
	var later atomic.Bool // the requests from now on are answered by long
	returned := make(chan struct{}, 1)
	srv := NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if later.Load() {
			long.ServeHTTP(w, r)
			return
		}
		short.ServeHTTP(w, r)
		if r.URL.Path == "/v1/services" {
			returned <- struct{}{}
		}
	}))
	ln, err := net.Listen("unix", filepath.Join(t.TempDir(), "s.sock"))
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })

	stalled, err := net.Dial("unix", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.Close()
	if _, err := fmt.Fprintf(stalled, "GET /v1/services HTTP/1.1\r\nHost: superd\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-returned:
	case <-time.After(20 * time.Second):
		t.Fatal("the handler still writes to a client that stopped reading")
	}

	// A client that reads, on one connection: an answer with the short
	// deadline, then, once that deadline has passed, another request.
	c := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", ln.Addr().String())
		},
		MaxConnsPerHost: 1,
	}}
	defer c.CloseIdleConnections()
	// The first answer must reach the client within the short deadline.
	// One cut because the machine was too busy for that is asked for again
	// (on a new connection): the stalled client showed the cut; what is
	// needed here is a connection whose last answer's deadline has passed.
	var reused bool
	trace := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) { reused = info.Reused },
	})
	var answered time.Time
	for deadline := time.Now().Add(20 * time.Second); ; {
		status, body, err := getBody(trace, c, "http://superd/v1/services/s00001")
		if err == nil {
			if status != http.StatusOK || !strings.Contains(body, `"s00001"`) {
				t.Fatalf("first request: %d %q", status, body)
			}
			answered = time.Now()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("first request: no answer accepted within %v of its header: %v", short.writeTimeout, err)
		}
		t.Logf("first answer cut (a busy machine), asking again: %v", err)
	}
	// Its deadline was armed with its header, before the client had it:
	// writeTimeout after the client had it, that deadline has passed.
	time.Sleep(time.Until(answered.Add(short.writeTimeout)))
	later.Store(true)
	status, body, err := getBody(trace, c, "http://superd/v1/services/s00001")
	if err != nil || status != http.StatusOK || !strings.Contains(body, `"s00001"`) {
		t.Fatalf("request after the first answer's deadline: %d %q %v", status, body, err)
	}
	if !reused {
		t.Fatal("the later request did not reuse the first one's connection: no deadline of an earlier answer was there to cut it")
	}
}

// getBody returns the status and body of the answer to a GET of url.
func getBody(ctx context.Context, c *http.Client, url string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, "", err
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}
