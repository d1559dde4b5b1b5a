//go:build linux

package main

import (
	"os"
	"path/filepath"
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

// With [Log] Timestamps=, supers logs --both merges the two streams by
// their stamps: the lines come in the order the service wrote them.
func TestLogsBothMergesStampedStreams(t *testing.T) {
	t.Parallel()
	// 0.6 s apart: each line is stamped when superd writes it, within a
	// millisecond of the write unless the machine is very busy.
	d := startRealSuperd(t, map[string]string{"stamped.service": `[Service]
ExecStart=/bin/sh -c 'echo o1; sleep 0.6; echo e1 >&2; sleep 0.6; echo o2; sleep 0.6; echo e2 >&2; exec sleep 600'
[Log]
Timestamps=yes
`})
	d.waitRunning(t, "stamped")
	var r result
	var got []string
	waitUntil(t, 20*time.Second, "the four lines in the logs", func() bool {
		r = runAgainst(t, d.socket, "logs", "--both", "-n", "all", "stamped")
		got = strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
		return r.code == exitOK && len(got) == 4
	})
	want := []string{"stdout | o1", "stderr | e1", "stdout | o2", "stderr | e2"}
	for i, line := range got {
		prefix, rest, _ := strings.Cut(line, " | ")
		stamp, text, ok := strings.Cut(rest, " ")
		if _, err := time.Parse("2006-01-02T15:04:05.000Z07:00", stamp); !ok || err != nil || prefix+" | "+text != want[i] {
			t.Fatalf("line %d is %q, want %q after a stamp; all:\n%s", i+1, line, want[i], r.stdout)
		}
	}
	if r.stderr != "" {
		t.Errorf("stderr %q", r.stderr)
	}

	// Turned off by a reload, the stamps stop: the service is re-created,
	// and so is its log sink.
	file := filepath.Join(d.dir, "stamped.service")
	if err := os.WriteFile(file, []byte("[Service]\nExecStart=/bin/sh -c 'echo plain; exec sleep 600'\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := runAgainst(t, d.socket, "reload"); r.code != exitOK {
		t.Fatalf("reload: code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	waitUntil(t, 20*time.Second, "the unstamped line after the reload", func() bool {
		r = runAgainst(t, d.socket, "logs", "-n", "1", "stamped")
		return r.code == exitOK && r.stdout == "plain\n"
	})
}
