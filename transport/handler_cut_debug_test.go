package transport

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// A request whose answer is cut (a log read error, a token replaced, a
// panic) has its debug record too, as HandlerOptions.Logger promises one
// per request, and it says the answer was cut: --log-level debug showed
// nothing of such a request.
func TestHandlerCutAnswerHasItsDebugRecord(t *testing.T) {
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
	if _, err := io.ReadAll(body); err == nil {
		t.Fatal("a clean end, want the answer cut")
	}
	recv(t, r.closed)
	// The record is written as the handler unwinds, which the client's
	// error may come before.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var record string
		for line := range strings.Lines(logs.String()) {
			if strings.Contains(line, `msg="control request"`) && strings.Contains(line, "path=/v1/services/web/logs") {
				record = line
			}
		}
		if record != "" {
			if !strings.Contains(record, "level=DEBUG") || !strings.Contains(record, "cut=true") {
				t.Fatalf("record %q, want a debug record saying the answer was cut", record)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no debug record of the cut request:\n%s", logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}
