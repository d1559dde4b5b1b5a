//go:build linux

package main

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestPolicyCoreDumpOfListedSignalRestarts: a process killed by a signal
// listed in SuccessExitStatus= that dumped core crashed (systemd's rule):
// Restart=on-failure restarts it. It was taken for a clean end and left
// exited. Skipped where the process dumps no core (core_pattern, limits).
func TestPolicyCoreDumpOfListedSignalRestarts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	d := newDaemon(t, map[string]string{
		"abort.service": fmt.Sprintf("[Service]\nExecStart=/bin/sh -c 'ulimit -c unlimited 2>/dev/null || ulimit -c \"$(ulimit -H -c)\"; kill -ABRT $$'\n"+
			"WorkingDirectory=%s\nRestart=on-failure\nSuccessExitStatus=SIGABRT\nRestartSec=1h\n", dir),
	}).start()
	var state string
	waitFor(t, 10*time.Second, "abort ended", func() bool {
		state = d.status("abort").State
		return state == "backoff" || state == "exited"
	})
	// The exit's record may come after the status that shows it (see
	// waitLogged).
	log := d.waitLogged(`msg="process exited" service=abort`)
	if !strings.Contains(log, `status="signal SIGABRT (core dumped)"`) {
		t.Skip("the process dumped no core here")
	}
	if state != "backoff" {
		t.Fatalf("state %s after a core dump of SIGABRT, listed in SuccessExitStatus=; want backoff", state)
	}
	// The status says why the listed signal was no clean end.
	if last := d.status("abort").LastExit; last == nil || !last.CoreDumped || last.String() != "signal SIGABRT (core dumped)" {
		t.Errorf("last exit %+v, want SIGABRT with core_dumped", last)
	}
	// Not a clean end: logged as a failure is.
	if !strings.Contains(log, `level=WARN msg="process exited" service=abort`) {
		t.Errorf("the core dump was not logged as a failure (WARN):\n%s", log)
	}
}
