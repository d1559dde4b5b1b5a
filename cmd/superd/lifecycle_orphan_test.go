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

// A process of a service that was orphaned but stayed in the service's
// process group (its parent, a subshell, exited: superd adopted it) gets
// the stop's KillSignal once, with its group: it was also taken for a
// process that left the group ("stopping a process that left the
// service's process group") and signalled again, and a program that reads
// a second SIGTERM as "exit now" (as many do) then skipped its graceful
// shutdown.
func TestOrphanInGroupGetsKillSignalOnce(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "orphan.pid")
	termFile := filepath.Join(dir, "terms")
	script := filepath.Join(dir, "orphaner.sh")
	body := fmt.Sprintf(`#!/bin/sh
( sh -c 'trap "echo TERM >> %[2]s" TERM; echo $$ > %[1]s.tmp; mv %[1]s.tmp %[1]s; while :; do sleep 0.05; done' & )
exec sleep 1000
`, pidFile, termFile)
	writeMode(t, script, body, 0o755)
	d := newDaemon(t, map[string]string{"orph.service": "[Service]\nExecStart=/bin/sh " + script + "\nTimeoutStopSec=2s\n"})
	lifeTag(t, d)
	d.start()
	main := d.waitRunning("orph").PID
	pid := waitPIDFile(t, pidFile, "the orphan's pid file")
	d.track(pid)
	waitFor(t, 20*time.Second, "the orphan to be adopted by superd, in the service's group", func() bool {
		p, err := readProc(pid)
		return err == nil && p.ppid == d.cmd.Process.Pid && p.pgid == main
	})

	if _, stderr, code := d.cli("stop", "orph"); code != 0 {
		t.Fatalf("stop orph: exit %d: %s", code, stderr)
	}
	if alive(pid) {
		t.Fatalf("the orphan %d outlived the stop", pid)
	}
	b, _ := os.ReadFile(termFile)
	if n := strings.Count(string(b), "TERM"); n != 1 {
		t.Errorf("the orphan in the group got SIGTERM %d times, want once", n)
	}
	if log := d.stderr.String(); strings.Contains(log, "left the service's process group") {
		t.Errorf("superd says a process in the service's group left it:\n%s", log)
	}
}
