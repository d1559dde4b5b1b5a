//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// UMask= sets a service's file mode creation mask, as in systemd and
// supervisord; the other services keep superd's 0022, and so do the files
// superd creates meanwhile (the log files of a service started after one
// with UMask=0077).
func TestUMaskKey(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{
		"private.service": "[Service]\nExecStart=/bin/sleep 1000\nUMask=0077\n",
		"open.service":    "[Service]\nExecStart=/bin/sleep 1000\nUMask=0\n",
		"plain.service":   "[Service]\nExecStart=/bin/sleep 1000\n",
	}).start()
	umask := func(pid int) string { return procUmask(t, pid) }
	for name, want := range map[string]string{"private": "0077", "open": "0000", "plain": "0022"} {
		if got := umask(d.waitRunning(name).PID); got != want {
			t.Errorf("%s: umask %s, want %s", name, got, want)
		}
	}
	// A service added later: superd's own files keep their modes.
	d.writeFile("late.service", "[Service]\nExecStart=/bin/sleep 1000\n")
	if out, errb, code := d.cli("start", "late"); code != 0 {
		t.Fatalf("start late: %d\n%s%s", code, out, errb)
	}
	waitFor(t, 10*time.Second, "late's log file", func() bool {
		_, err := os.Stat(filepath.Join(d.logDir, "late", "stdout.log"))
		return err == nil
	})
	if fi, err := os.Stat(filepath.Join(d.logDir, "late", "stdout.log")); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("late's stdout.log: %v, %v; want mode 0640", fi.Mode().Perm(), err)
	}
	if got := umask(d.waitRunning("late").PID); got != "0022" {
		t.Errorf("late: umask %s, want 0022", got)
	}

	// A bad value names the key and what it wants; the service is not created.
	d.writeFile("bad.service", "[Service]\nExecStart=/bin/sleep 1000\nUMask=0800\n")
	_, errb, code := d.cli("start", "bad")
	if code == 0 || !strings.Contains(errb, "UMask") || !strings.Contains(errb, "octal") {
		t.Errorf("start bad: code %d, stderr %q; want the UMask error", code, errb)
	}
}
