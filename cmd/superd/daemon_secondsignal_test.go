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

// A second SIGTERM or SIGINT (Ctrl-C again) while superd stops its
// services was swallowed without a word: superd seemed to ignore it while
// it waited for a service's TimeoutStopSec. superd now logs that it is
// stopping already, and how to end it at once; the shutdown goes on as
// before (the stubborn service still gets its TimeoutStopSec). A SIGHUP
// then was swallowed too: the log says the configuration is not reloaded.
func TestSecondStopSignalIsAnswered(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{
		"slow.service": "[Service]\nExecStart=/bin/sh -c 'trap \"\" TERM; echo trapped; exec sleep 1000'\nTimeoutStopSec=3\n",
	}).start()
	d.waitRunning("slow")
	// SIGTERM must come once it is ignored.
	waitFor(t, 10*time.Second, "slow ignores SIGTERM", func() bool {
		out, _ := os.ReadFile(filepath.Join(d.logDir, "slow", "stdout.log"))
		return strings.Contains(string(out), "trapped")
	})
	start := time.Now()
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	waitFor(t, 10*time.Second, "superd shuts down", func() bool {
		return strings.Contains(d.stderr.String(), "shutting down")
	})
	_ = d.cmd.Process.Signal(syscall.SIGINT)
	waitFor(t, 10*time.Second, "superd answers the second signal", func() bool {
		return strings.Contains(d.stderr.String(), "already shutting down")
	})
	// Nor is a SIGHUP swallowed: no reload is made, and the log says so.
	_ = d.cmd.Process.Signal(syscall.SIGHUP)
	waitFor(t, 10*time.Second, "superd answers the SIGHUP", func() bool {
		return strings.Contains(d.stderr.String(), "SIGHUP: configuration not reloaded: superd is shutting down")
	})
	select {
	case <-d.exited:
	case <-time.After(30 * time.Second):
		t.Fatalf("superd did not exit\n%s", d.stderr.String())
	}
	if d.exitErr != nil {
		t.Fatalf("superd's exit: %v\n%s", d.exitErr, d.stderr.String())
	}
	if took := time.Since(start); took < 3*time.Second {
		t.Errorf("superd exited after %v: the second signal cut the service's TimeoutStopSec", took)
	}
	if log := d.stderr.String(); !strings.Contains(log, "signal=SIGINT") {
		t.Errorf("the log does not name the second signal:\n%s", log)
	}
}
