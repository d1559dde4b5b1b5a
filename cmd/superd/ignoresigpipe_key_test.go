//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// procSigIgnPipe reports whether the process pid ignores SIGPIPE (bit 13
// of SigIgn in /proc/PID/status).
func procSigIgnPipe(t *testing.T, pid int) bool {
	t.Helper()
	b, err := os.ReadFile("/proc/" + itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "SigIgn:"); ok {
			mask, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if err != nil {
				t.Fatalf("SigIgn of %d: %v", pid, err)
			}
			return mask&0x1000 != 0
		}
	}
	t.Fatalf("no SigIgn in /proc/%d/status", pid)
	return false
}

// A service's process starts with SIGPIPE ignored, as systemd's
// IgnoreSIGPIPE= default: a daemon writing to a closed pipe or socket gets
// EPIPE instead of dying of a signal that Restart=on-failure counts as a
// clean end. IgnoreSIGPIPE=no starts it with the default action; the two
// kinds of services, started in turn, each get theirs, and a change of the
// key restarts the service at reload with the new disposition.
func TestIgnoreSIGPIPEKey(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{
		"dflt.service": "[Service]\nExecStart=/bin/sleep 1000\n",
		"off.service":  "[Service]\nExecStart=/bin/sleep 1000\nIgnoreSIGPIPE=no\n",
		"on.service":   "[Service]\nExecStart=/bin/sleep 1000\nIgnoreSIGPIPE=yes\n",
	}).start()
	want := map[string]bool{"dflt": true, "off": false, "on": true}
	for round := range 2 {
		for _, name := range []string{"dflt", "off", "on"} {
			if round > 0 {
				if out, errb, code := d.cli("restart", name); code != 0 {
					t.Fatalf("restart %s: %d\n%s%s", name, code, out, errb)
				}
			}
			if got := procSigIgnPipe(t, d.waitRunning(name).PID); got != want[name] {
				t.Errorf("round %d: %s: SIGPIPE ignored %v, want %v", round, name, got, want[name])
			}
		}
	}

	// supers check takes the key.
	if out, errb, code := runCLI(t, filepath.Join(t.TempDir(), "none.sock"), "check", filepath.Join(d.dir, "off.service")); code != 0 {
		t.Errorf("check off.service: %d\n%s%s", code, out, errb)
	}

	// A change of the key is a change of the service: reload restarts it.
	before := d.waitRunning("dflt").PID
	d.writeFile("dflt.service", "[Service]\nExecStart=/bin/sleep 1000\nIgnoreSIGPIPE=false\n")
	if out, errb, code := d.cli("reload"); code != 0 {
		t.Fatalf("reload: %d\n%s%s", code, out, errb)
	}
	var pid int
	waitFor(t, 10*time.Second, "dflt restarted by the reload", func() bool {
		st := d.status("dflt")
		pid = st.PID
		return st.State == "running" && pid != 0 && pid != before
	})
	if procSigIgnPipe(t, pid) {
		t.Error("dflt with IgnoreSIGPIPE=false after reload: SIGPIPE ignored, want the default action")
	}
}
