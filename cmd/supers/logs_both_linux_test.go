//go:build linux

package main

import (
	"strings"
	"testing"
	"time"
)

// supers logs --both against the real superd prints what a service wrote
// to its stdout and to its stderr, each line with its stream.
func TestLogsBothStreamsOfARealService(t *testing.T) {
	t.Parallel()
	d := startRealSuperd(t, map[string]string{"chatty.service": `[Service]
ExecStart=/bin/sh -c 'echo to-stdout; echo to-stderr >&2; exec sleep 600'
`})
	d.waitRunning(t, "chatty")
	want := "stdout | to-stdout\nstderr | to-stderr\n"
	var r result
	waitUntil(t, 20*time.Second, "both lines in the logs", func() bool {
		r = runAgainst(t, d.socket, "logs", "--both", "-n", "all", "chatty")
		return r.code == exitOK && r.stdout == want
	})
	if r.stderr != "" {
		t.Errorf("stderr %q", r.stderr)
	}
	r = runAgainst(t, d.socket, "logs", "--both", "chatty", "gone")
	if r.code != exitUnknown || r.stdout != "chatty stdout | to-stdout\nchatty stderr | to-stderr\n" ||
		strings.Count(r.stderr, "unknown service") != 1 {
		t.Errorf("with an unknown service: code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}
