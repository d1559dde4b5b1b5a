//go:build linux

package main

import (
	"encoding/json"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/supers-dev/supers/transport"
)

// supers usage prints, for each running service, its processes, memory
// and CPU time (a daemon that left the service's group and was adopted by
// superd included); a named service that does not run is reported (exit
// 3), an unknown one too (exit 4), and --json prints the API's answer.
func TestUsageCommand(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("setsid"); err != nil {
		t.Skip("no setsid program")
	}
	d := startRealSuperd(t, map[string]string{
		"two.service": "[Service]\nExecStart=/bin/sh -c 'sleep 600 & exec sleep 601'\n",
		"off.service": "[Service]\nExecStart=/bin/sleep 600\nAutoStart=no\n",
		// A daemon: a session of its own, its parent gone.
		"forked.service": "[Service]\nExecStart=/bin/sh -c '(setsid sleep 600 &); exec sleep 601'\n",
	})
	forked := d.waitRunning(t, "forked")
	forkedRow := regexp.MustCompile(`(?m)^forked +` + strconv.Itoa(forked.PID) + ` +2 +[0-9.]+ [KM]iB +[0-9.]+s$`)
	st := d.waitRunning(t, "two")
	row := regexp.MustCompile(`(?m)^two +` + strconv.Itoa(st.PID) + ` +2 +[0-9.]+ [KM]iB +[0-9.]+s$`)
	var r result
	waitUntil(t, 20*time.Second, "two's and forked's two processes", func() bool {
		r = runAgainst(t, d.socket, "usage")
		return r.code == exitOK && row.MatchString(r.stdout) && forkedRow.MatchString(r.stdout)
	})
	if !strings.HasPrefix(r.stdout, "NAME    PID") || strings.Contains(r.stdout, "off") || r.stderr != "" {
		t.Errorf("usage: stdout %q, stderr %q", r.stdout, r.stderr)
	}
	r = runAgainst(t, d.socket, "usage", "two", "off")
	if r.code != exitNotRunning || !row.MatchString(r.stdout) || r.stderr != "supers: usage: off is not running (stopped)\n" {
		t.Errorf("usage two off: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = runAgainst(t, d.socket, "usage", "nope", "t*")
	if r.code != exitUnknown || !row.MatchString(r.stdout) || !strings.Contains(r.stderr, `unknown service "nope"`) {
		t.Errorf("usage nope t*: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = runAgainst(t, d.socket, "--json", "usage", "two")
	var list []transport.ServiceUsage
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil || r.code != exitOK || len(list) != 1 ||
		list[0].Name != "two" || list[0].PID != st.PID || list[0].Processes != 2 || list[0].MemoryBytes == 0 {
		t.Errorf("--json usage two: exit %d, %q (%v)", r.code, r.stdout, err)
	}
}
