//go:build linux

package main

import (
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A stop waiting for a process that left the service's group (setsid),
// ignores SIGTERM and keeps forking short-lived children (a shell loop)
// found a new child at nearly every look (every 5 to 100 ms), and logged a
// line for each: twenty lines a second for as long as TimeoutStopSec,
// 1800 under TimeoutStopSec=90s. The processes found later are logged
// together, at most once a second, and each still gets the signal.
func TestProcrevStopOfForkingStrayLogsAtMostOnceASecond(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "stray.pid")
	d := newDaemon(t, map[string]string{"spawny.service": "[Service]\n" +
		"ExecStart=/bin/sh -c 'setsid sh -c \"trap \\\"\\\" TERM; echo \\$\\$ > " + pidFile + ".tmp; mv " + pidFile + ".tmp " + pidFile + "; while :; do /bin/true; done\" & exec sleep 1000'\n" +
		"TimeoutStopSec=3s\n"})
	lifeTag(t, d)
	d.start()
	d.waitRunning("spawny")
	stray := waitPIDFile(t, pidFile, "the stray's pid")

	began := time.Now()
	if _, errs, code := d.cli("stop", "spawny"); code != 0 {
		t.Fatalf("stop: exit %d: %s", code, errs)
	}
	took := time.Since(began)
	if alive(stray) {
		t.Fatalf("the stray %d outlived the stop", stray)
	}
	// The stop's records of the processes outside the group come before
	// the one of its end, which may come after its answer.
	var lines []string
	for line := range strings.SplitSeq(d.waitLogged(`msg="process stopped" service=spawny`), "\n") {
		if strings.Contains(line, "left the service's process group") {
			lines = append(lines, line)
		}
	}
	// One at the first look, then at most one a second of the stop (3 s
	// and what the SIGKILL takes), one for those sent SIGTERM when the
	// timeout changes the signal, and the last batch at its end.
	if limit := 3 + int(took/time.Second); len(lines) == 0 || len(lines) > limit {
		t.Fatalf("%d lines about the processes that left the group in a stop of %v, want 1 to %d:\n%s", len(lines), took.Round(time.Millisecond), limit, strings.Join(lines, "\n"))
	}
	if !slices.ContainsFunc(lines, func(line string) bool { return namesPID(line, stray) }) {
		t.Errorf("no line names the stray %d:\n%s", stray, strings.Join(lines, "\n"))
	}
}

// namesPID reports whether a log line about processes that left the
// group names pid, alone (pid=N) or in its list (pids="N M ...").
func namesPID(line string, pid int) bool {
	n := strconv.Itoa(pid)
	if strings.Contains(line, " pid="+n+" ") {
		return true
	}
	_, list, ok := strings.Cut(line, `pids="`)
	if !ok {
		return false
	}
	list, _, _ = strings.Cut(list, `"`)
	return slices.Contains(strings.Fields(list), n)
}
