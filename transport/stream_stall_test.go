package transport

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
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
// streamWriteTimeout, so that it does not hold its connection, a goroutine
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
			h := NewHandler(f, HandlerOptions{}).(*handler)
			h.streamWriteTimeout = 200 * time.Millisecond
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
