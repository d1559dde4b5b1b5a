//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLogsErrorSaysItsContextOnce: a log that cannot be read is reported
// once, naming its path. The CLI's "logs a:" was followed by the
// supervisor's own "logs of a:", then by the path: "supers: logs a: logs
// of a: logsink: tail …".
func TestLogsErrorSaysItsContextOnce(t *testing.T) {
	d := newDaemon(t, map[string]string{"a.service": "[Service]\nExecStart=/bin/sleep 1000\n"}).start()
	d.waitRunning("a")
	dir := filepath.Join(d.logDir, "a")
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := d.cli("logs", "a")
	if code != 1 {
		t.Fatalf("supers logs a: exit %d, want 1; stderr %q", code, stderr)
	}
	if !strings.Contains(stderr, filepath.Join(dir, "stdout.log")) || !strings.Contains(stderr, "not a directory") {
		t.Errorf("the error does not name the log and what is wrong with it: %q", stderr)
	}
	if strings.Contains(stderr, "logs of") || strings.Count(stderr, "logs a:") != 1 {
		t.Errorf("the error says where it comes from more than once: %q", stderr)
	}
}
