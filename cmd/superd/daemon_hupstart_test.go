//go:build linux

package main

import (
	"strings"
	"syscall"
	"testing"
	"time"
)

// A SIGHUP that comes while superd starts (here while it stops what a
// SIGKILLed superd left) waits for the start; when superd is stopped
// before that, the reload is not made, and superd said so as a failure:
// "level=ERROR msg=\"reload failed\" err=\"context canceled\"". It now says
// the reload was not made because superd is shutting down.
func TestHangupDuringStartThenShutdownIsNoFailure(t *testing.T) {
	t.Parallel()
	next := stoppingLeftovers(t)
	_ = next.cmd.Process.Signal(syscall.SIGHUP)
	waitFor(t, 20*time.Second, "superd takes the SIGHUP", func() bool {
		return strings.Contains(next.stderr.String(), "SIGHUP")
	})
	if err := next.terminate(); err != nil {
		t.Fatalf("superd's exit: %v\n%s", err, next.stderr.String())
	}
	log := next.stderr.String()
	if strings.Contains(log, "reload failed") || strings.Contains(log, "level=ERROR") {
		t.Errorf("a reload not made because superd stopped is reported as a failure:\n%s", log)
	}
	if !strings.Contains(log, "superd is shutting down") {
		t.Errorf("superd does not say why the reload was not made:\n%s", log)
	}
}

// stoppingLeftovers SIGKILLs a superd whose service b ignores SIGTERM (with
// TimeoutStopSec=60), starts the next superd on the same files, and
// returns it once its start is stopping b's leftovers.
func stoppingLeftovers(t *testing.T) *daemon {
	t.Helper()
	d := newDaemon(t, map[string]string{
		// Its sleep ignores SIGTERM and outlives superd: the next superd's
		// start waits for it, up to TimeoutStopSec.
		"b.service": "[Service]\nExecStart=/bin/sh -c 'trap \"\" TERM; sleep 1000 & echo $!; wait'\nTimeoutStopSec=60\n",
	}).start()
	d.waitRunning("b")
	d.loggedPID("b") // the sleep is there
	_ = d.cmd.Process.Kill()
	<-d.exited

	next := &daemon{t: t, dir: d.dir, logDir: d.logDir, socket: d.socket, client: d.client, seenPIDs: map[int]bool{}}
	next.launch()
	waitFor(t, 20*time.Second, "superd stops what its predecessor left", func() bool {
		return strings.Contains(next.stderr.String(), "stopping a process left by a previous superd")
	})
	return next
}
