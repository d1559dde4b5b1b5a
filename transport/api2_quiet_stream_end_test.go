package transport

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/supers-dev/supers/notify"
)

// quietLog is a followed log that gives its text, then nothing until end
// is closed (superd shutting down), then io.EOF.
type quietLog struct {
	text string
	end  chan struct{}
}

func (q *quietLog) Read(p []byte) (int, error) {
	if q.text != "" {
		n := copy(p, q.text)
		q.text = q.text[n:]
		return n, nil
	}
	<-q.end
	return 0, io.EOF
}

func (q *quietLog) Close() error { return nil }

// TestQuietStreamEndsCleanly: a followed stream (logs or events) that was
// quiet for longer than the write timeout of its last chunk still ends
// cleanly when superd ends it: the deadline that chunk armed must not cut
// the end of the answer (and, for events, its Supers-Stream-End trailer),
// which the client would take for a broken connection rather than superd
// closing the stream.
func TestQuietStreamEndsCleanly(t *testing.T) {
	for _, tc := range []string{"logs", "events"} {
		t.Run(tc, func(t *testing.T) {
			f := newFakeBackend("web")
			end := make(chan struct{})
			f.logReader = func(context.Context, string, LogQuery) (io.ReadCloser, error) {
				return &quietLog{text: "hello\n", end: end}, nil
			}
			f.history = []notify.Event{{Version: 1, ID: "a", Type: "start", Service: "web"}}
			f.live = make(chan notify.Event)
			h := NewHandler(f, HandlerOptions{}).(*handler)
			h.writeTimeout = 100 * time.Millisecond
			srv := httptest.NewServer(h)
			defer srv.Close()

			path := "/v1/services/web/logs?follow=true"
			if tc == "events" {
				path = "/v1/events?follow=true"
			}
			resp, err := http.Get(srv.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			// The first chunk is in: its deadline is armed.
			buf := make([]byte, 64)
			if _, err := resp.Body.Read(buf); err != nil {
				t.Fatal(err)
			}
			// Quiet for longer than the write timeout (a deadline to
			// pass: nothing to poll), then the end.
			time.Sleep(5 * h.writeTimeout)
			if tc == "events" {
				close(f.live)
			} else {
				close(end)
			}
			rest, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatalf("the end of a quiet stream was cut: %v (read %q)", err, rest)
			}
			if tc == "events" {
				if got := resp.Trailer.Get(streamEndTrailer); got != "closed" {
					t.Errorf("trailer %s = %q, want closed", streamEndTrailer, got)
				}
			}
		})
	}
}
