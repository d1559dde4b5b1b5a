//go:build linux

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// mountSmallTmpfs mounts a tmpfs with the given options on dir (created if
// need be) for the rest of the test, or skips the test where that is not
// allowed (not root, no CAP_SYS_ADMIN).
func mountSmallTmpfs(t *testing.T, dir, opts string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, opts); err != nil {
		t.Skipf("cannot mount a tmpfs (needs root): %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
}

// A service whose log directory cannot be created because the log disk is
// full (here: no inode left) still runs, as one whose disk fills up later
// does: its output is dropped and counted, superd says why, and the logs
// are written once there is room again. It used not to be created at all,
// and the reload that added it said nothing.
func TestServiceRunsWhenLogDiskIsFull(t *testing.T) {
	d := newDaemon(t, map[string]string{
		"early.service": "[Service]\nExecStart=/bin/sh -c 'while :; do echo tick; sleep 0.1; done'\n",
	})
	mountSmallTmpfs(t, d.logDir, "size=64k,nr_inodes=16,mode=0755")
	var fillers []string
	for i := 0; ; i++ {
		f := filepath.Join(d.logDir, fmt.Sprintf("filler%d", i))
		err := os.WriteFile(f, nil, 0o600)
		if errors.Is(err, syscall.ENOSPC) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		fillers = append(fillers, f)
	}
	d.start()
	d.waitRunning("early")

	// Added by a reload while the disk is still full.
	d.writeFile("late.service", "[Service]\nExecStart=/bin/sh -c 'while :; do echo tock; sleep 0.1; done'\n")
	if _, stderr, code := d.cli("reload"); code != 0 {
		t.Fatalf("supers reload: exit %d: %s", code, stderr)
	}
	d.waitRunning("late")
	waitFor(t, 10*time.Second, "superd to log the full disk", func() bool {
		return strings.Contains(d.stderr.String(), "no space left on device")
	})
	// Its status counts what was dropped.
	waitFor(t, 10*time.Second, "early's status to count dropped output", func() bool {
		var st []struct {
			Dropped uint64 `json:"log_dropped_bytes"`
		}
		return d.cliJSON(&st, "status", "early") == 0 && len(st) == 1 && st[0].Dropped > 0
	})
	if out, _, _ := d.cli("status", "early"); !strings.Contains(out, "running (log output dropped: ") {
		t.Errorf("supers status early:\n%s", out)
	}

	for _, f := range fillers {
		if err := os.Remove(f); err != nil {
			t.Fatal(err)
		}
	}
	for name, want := range map[string]string{"early": "tick\n", "late": "tock\n"} {
		path := filepath.Join(d.logDir, name, "stdout.log")
		waitFor(t, 10*time.Second, path+" written once there is room", func() bool {
			b, _ := os.ReadFile(path)
			return strings.Contains(string(b), want)
		})
	}

	// The events said so: a log-error when early's output was dropped, a
	// log-resumed with what was dropped once it was written again.
	var out string
	waitFor(t, 10*time.Second, "a log-resumed event of early", func() bool {
		out, _, _ = d.cli("events", "--service", "early", "--type", "log-error,log-resumed")
		return strings.Contains(out, "log-resumed")
	})
	if !strings.Contains(out, "log-error    early           stream=stdout") || !strings.Contains(out, "no space left on device") ||
		!strings.Contains(out, "log-resumed  early           stream=stdout dropped=") {
		t.Errorf("events of early:\n%s", out)
	}
}
