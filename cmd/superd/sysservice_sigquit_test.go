//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// SIGQUIT stops superd gracefully, as SIGTERM does (and as supervisord
// takes it): each service gets its KillSignal and may finish, and superd
// exits 0. Go's default would dump goroutines, exit 2 and have every
// service killed by its parent-death signal.
func TestSIGQUITStopsGracefully(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{"trap.service": `[Service]
ExecStart=/bin/sh -c 'trap "echo bye; exit 0" TERM; echo armed; while :; do sleep 0.1; done'
`}).start()
	d.waitRunning("trap")
	out := filepath.Join(d.logDir, "trap", "stdout.log")
	waitFor(t, 10*time.Second, "the service's trap armed", func() bool {
		b, _ := os.ReadFile(out)
		return strings.Contains(string(b), "armed")
	})
	if err := d.cmd.Process.Signal(syscall.SIGQUIT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-d.exited:
	case <-time.After(30 * time.Second):
		t.Fatalf("superd did not exit after SIGQUIT\n%s", d.stderr.String())
	}
	if d.exitErr != nil {
		t.Errorf("superd exited with %v after SIGQUIT, want 0\n%s", d.exitErr, d.stderr.String())
	}
	if b, _ := os.ReadFile(out); !strings.Contains(string(b), "bye") {
		t.Errorf("the service was not stopped gracefully: stdout.log = %q", b)
	}
}
