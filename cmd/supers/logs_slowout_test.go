package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// slowWriter is a stdout whose reader is slow (a pager the user does not
// scroll): each Write takes delay.
type slowWriter struct {
	buf   bytes.Buffer
	delay time.Duration
}

func (w *slowWriter) Write(p []byte) (int, error) {
	time.Sleep(w.delay)
	return w.buf.Write(p)
}

// --timeout bounds how long superd leaves supers waiting, not how long
// supers's own stdout takes to accept the output (supers logs -n all web |
// less, the user reading a page for a while): a slow stdout must neither
// cut the output nor blame superd.
func TestLogsTimeoutIgnoresSlowStdout(t *testing.T) {
	chunks := []string{"a\n", "b\n"}
	socket := startDaemon(t, &slowLogs{chunks: chunks, gap: time.Millisecond})
	var stderr bytes.Buffer
	// Each write outlasts --timeout, which is long enough for the fake
	// superd to answer on a loaded machine (100ms was not, under CI load).
	stdout := &slowWriter{delay: 1500 * time.Millisecond}
	code := run(t.Context(), []string{"--socket", socket, "--timeout", "1s", "logs", "web"}, nil, stdout, &stderr, func(string) string { return "" })
	if got := stdout.buf.String(); code != exitOK || got != strings.Join(chunks, "") || stderr.String() != "" {
		t.Errorf("code %d, stdout %q, stderr %q; want 0, %q, nothing", code, got, stderr.String(), strings.Join(chunks, ""))
	}
}
