//go:build linux

package main

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestSharedLogDirRefusesTheSameService: two superd with their own config
// dirs and one --log-dir each run a service called web. Both wrote
// <log-dir>/web/stdout.log, interleaving their output and rotating the
// file under each other, and neither said a word. The second superd does
// not create its web, and says which process holds the directory; its
// other service, whose log directory is its own, runs; once the first
// superd is gone, a reload of the second creates its web.
func TestSharedLogDirRefusesTheSameService(t *testing.T) {
	const web = "[Service]\nExecStart=/bin/sleep 1000\n"
	first := newDaemon(t, map[string]string{"web.service": web})
	first.start()
	first.waitRunning("web")

	second := newDaemon(t, map[string]string{"web.service": web, "other.service": web})
	second.logDir = first.logDir
	second.start()
	second.waitRunning("other")
	want := "log directory " + first.logDir + "/web: in use by another supervisor"
	holder := "pid " + strconv.Itoa(first.cmd.Process.Pid) + " holds its lock"
	waitFor(t, 10*time.Second, "the second superd says why web is not created", func() bool {
		log := second.stderr.String()
		return strings.Contains(log, want) && strings.Contains(log, holder)
	})
	if out, _, _ := second.cli("status", "web"); strings.Contains(out, "running") {
		t.Errorf("the second superd runs web too:\n%s", out)
	}

	if err := first.terminate(); err != nil {
		t.Fatalf("first superd: %v", err)
	}
	if _, stderr, code := second.cli("reload"); code != 0 {
		t.Fatalf("reload: exit %d: %s", code, stderr)
	}
	second.waitRunning("web")
}
