//go:build linux

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestLogsRestartStartsALine runs a service whose first process is killed
// in the middle of a line on each stream: after the restart, the log files
// have that line ended and the next process's output on lines of its own,
// each with its stamp.
func TestLogsRestartStartsALine(t *testing.T) {
	d := newDaemon(t, nil)
	script := filepath.Join(d.dir, "..", "cut.sh")
	marker := filepath.Join(d.dir, "..", "ran-once")
	writeMode(t, script, `#!/bin/sh
if [ ! -e "$1" ]; then
	: > "$1"
	printf 'ready\nkilled in the mid'
	printf 'half an error' >&2
	kill -9 $$
fi
echo second run
echo on stderr >&2
exec sleep 3600
`, 0o755)
	d.writeFile("cut.service", "[Service]\nExecStart="+script+" "+marker+"\nRestart=always\nRestartSec=0\n"+
		"[Log]\nTimestamps=yes\n")
	d.start()
	stamp := regexp.MustCompile(`(?m)^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z `)
	for name, want := range map[string]string{
		"stdout.log": "ready\nkilled in the mid\nsecond run\n",
		"stderr.log": "half an error\non stderr\n",
	} {
		path := filepath.Join(d.logDir, "cut", name)
		last := want[strings.LastIndexByte(want[:len(want)-1], '\n')+1:]
		var got []byte
		waitFor(t, 10*time.Second, "the second run's output in "+name, func() bool {
			got, _ = os.ReadFile(path)
			return bytes.HasSuffix(got, []byte(last))
		})
		if n, lines := len(stamp.FindAll(got, -1)), strings.Count(want, "\n"); n != lines {
			t.Errorf("%s: %d stamps in %q, want one per line (%d)", name, n, got, lines)
		}
		if text := string(stamp.ReplaceAll(got, nil)); text != want {
			t.Errorf("%s is %q without its stamps, want %q", name, text, want)
		}
	}
}
