package main

import (
	"bytes"
	"context"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fullWriter is a stdout that takes nothing (a full disk, /dev/full).
type fullWriter struct{}

func (fullWriter) Write([]byte) (int, error) { return 0, syscall.ENOSPC }

// Once stdout fails, supers logs of several streams stops, with one
// message: the write error was taken for the error of the stream that hit
// it, so that the others went on (each printing it again, blamed on its
// service), and with -f, a quiet one kept supers running for ever with
// nothing it could print.
func TestLogsOfSeveralStreamsStopWhenStdoutFails(t *testing.T) {
	socket := startDaemon(t, &slowLogs{chunks: []string{"a\n", "b\n"}, gap: time.Millisecond, stall: true})
	for _, args := range [][]string{
		{"logs", "-f", "web", "db"},
		{"logs", "-f", "--both", "web"},
		{"logs", "web", "db"},
	} {
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
		var stderr bytes.Buffer
		code := run(ctx, append([]string{"--socket", socket}, args...), nil, fullWriter{}, &stderr, func(string) string { return "" })
		timedOut := ctx.Err() != nil
		cancel()
		if timedOut || code != exitError || strings.Count(stderr.String(), "\n") != 1 || !strings.Contains(stderr.String(), "write stdout: "+syscall.ENOSPC.Error()) {
			t.Errorf("%q with stdout full: code %d, stderr %q, ran out of time %v; want exit 1 at once, the write error said once", args, code, stderr.String(), timedOut)
		}
	}
}
