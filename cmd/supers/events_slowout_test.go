package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// --timeout bounds how long superd leaves supers events waiting, not how
// long supers's own stdout takes to accept the events (supers events |
// less, the user reading a page for a while): a slow stdout must neither
// cut the output nor blame superd, with or without --json.
func TestEventsTimeoutIgnoresSlowStdout(t *testing.T) {
	for _, args := range [][]string{{"events"}, {"--json", "events"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			fb := fixture()
			fb.history = eventFixture()[:2]
			socket := startDaemon(t, fb)
			var want bytes.Buffer
			if code := run(t.Context(), append([]string{"--socket", socket}, args...), nil, &want, new(bytes.Buffer), func(string) string { return "" }); code != exitOK || want.Len() == 0 {
				t.Fatalf("with a fast stdout: code %d, stdout %q", code, want.String())
			}
			var stderr bytes.Buffer
			// The writes together outlast --timeout, which is long enough
			// for the fake superd to answer on a loaded machine.
			stdout := &slowWriter{delay: 800 * time.Millisecond}
			code := run(t.Context(), append([]string{"--socket", socket, "--timeout", "1s"}, args...), nil, stdout, &stderr, func(string) string { return "" })
			if got := stdout.buf.String(); code != exitOK || got != want.String() || stderr.String() != "" {
				t.Errorf("code %d, stdout %q, stderr %q; want 0, %q, nothing", code, got, stderr.String(), want.String())
			}
		})
	}
}
