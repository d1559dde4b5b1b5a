//go:build linux

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A stop under TimeoutStopSec=infinity that waits for a process that left
// the service's group (setsid) and ignores KillSignal can be ended by the
// operator's signal, as one that waits for the group can: the signal went
// to the process group alone, gone with the main process, and was refused
// ("its process group is gone"), the service "stopping" for ever.
func TestSignalEndsInfiniteStopWaitingForEscapee(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "escapee.pid")
	script := filepath.Join(dir, "escaper.sh")
	body := fmt.Sprintf(`#!/bin/sh
setsid sh -c 'trap "" TERM; echo $$ > %[1]s.tmp; mv %[1]s.tmp %[1]s; exec sleep 1011' &
exec sleep 1012
`, pidFile)
	writeMode(t, script, body, 0o755)
	d := newDaemon(t, map[string]string{"infs.service": "[Service]\nExecStart=/bin/sh " + script + "\nTimeoutStopSec=infinity\n"})
	lifeTag(t, d)
	d.start()
	main := d.waitRunning("infs").PID
	pid := waitPIDFile(t, pidFile, "the escapee's pid file")
	d.track(pid)
	waitFor(t, 20*time.Second, "the escapee to leave the group and run sleep", func() bool {
		p, err := readProc(pid)
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		return err == nil && p.pgid != main && strings.Contains(string(b), "1011")
	})

	if _, _, code := d.cli("--timeout", "1s", "stop", "infs"); code == 0 {
		t.Fatal("the stop ended, though a process of the service ignores SIGTERM and TimeoutStopSec=infinity")
	}
	waitFor(t, 10*time.Second, "the main process to be gone", func() bool { return !alive(main) })
	if st := d.status("infs"); st.State != "stopping" {
		t.Fatalf("state %q, want stopping", st.State)
	}
	if _, stderr, code := d.cli("signal", "infs", "KILL"); code != 0 {
		t.Fatalf("signal KILL during the stop: exit %d: %s", code, stderr)
	}
	waitFor(t, 10*time.Second, "the stop to end", func() bool { return d.status("infs").State == "stopped" })
	if alive(pid) {
		t.Fatalf("the escapee %d outlived the stop", pid)
	}
}
