//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// At superd's shutdown a service with TimeoutStopSec=infinity gets "as long
// as the longest finite TimeoutStopSec= + 5 s" (README), not the longest
// finite one alone: here a service that takes about 2 s to exit cleanly
// after SIGTERM, beside one with TimeoutStopSec=1s, must end with its own
// exit code 0, neither SIGKILLed nor logged as killed. When stopAll waited
// for the longest finite TimeoutStopSec= only (timeout = b instead of
// shutdownBound(0, b)), superd logged "services did not stop in time;
// killing them" after 1 s and SIGKILLed the infinity service in the middle
// of its clean exit.
func TestShutdownGivesInfinityStopTheGrace(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{
		// Says "ready" once its trap is set, so that the SIGTERM cannot come
		// before it; on SIGTERM it takes 2 s, then exits 0.
		"slowexit.service": "[Service]\nExecStart=/bin/sh -c 'trap \"sleep 2; exit 0\" TERM; echo ready; while :; do sleep 0.1; done'\n" +
			"TimeoutStopSec=infinity\n",
		"quick.service": "[Service]\nExecStart=/bin/sleep 1002\nTimeoutStopSec=1s\n",
	}).start()
	d.waitRunning("quick")
	d.waitRunning("slowexit")
	waitFor(t, 10*time.Second, "slowexit to have set its trap", func() bool {
		out, _ := os.ReadFile(filepath.Join(d.logDir, "slowexit", "stdout.log"))
		return strings.Contains(string(out), "ready")
	})

	if err := d.terminate(); err != nil {
		t.Errorf("superd's exit after SIGTERM: %v", err)
	}
	log := d.stderr.String()
	var stopped []string
	for line := range strings.SplitSeq(log, "\n") {
		if strings.Contains(line, "service=slowexit") && strings.Contains(line, "killing") {
			t.Errorf("superd killed slowexit at its shutdown: %s", line)
		}
		if strings.Contains(line, `msg="process stopped" service=slowexit `) {
			stopped = append(stopped, line)
		}
	}
	if strings.Contains(log, "did not stop in time") {
		t.Errorf("superd's shutdown gave up waiting for the services, though slowexit (TimeoutStopSec=infinity) was exiting cleanly")
	}
	if len(stopped) != 1 || !strings.Contains(stopped[0], `status="exit code 0"`) || strings.Contains(stopped[0], "killed=true") {
		t.Errorf("slowexit's stop at shutdown: %q; want one clean stop, exit code 0", stopped)
	}
}
