//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// A superd started with --socket-group takes no SocketGroup= from
// superd.conf, and `superd --check` with the same flags passes the file;
// `supers check` judged the file's value anyway, and failed a
// configuration superd starts with. Nor does a reload warn that an
// overridden key changed.
func TestSupersCheckLeavesOutWhatFlagsOverride(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{
		"web.service": "[Service]\nExecStart=/bin/sleep 600\n",
		"superd.conf": "[Daemon]\nSocketGroup=no-such-group-here\n",
	})
	d.extraArgs = []string{"--socket-group", strconv.Itoa(os.Getgid())}
	// The group must be able to reach the socket's own directory.
	if err := os.Chmod(filepath.Dir(filepath.Dir(d.socket)), 0o710); err != nil {
		t.Fatal(err)
	}
	d.start()
	d.waitRunning("web")
	if out, errs, code := d.cli("check"); code != 0 {
		t.Fatalf("supers check: exit %d\n%s%s", code, out, errs)
	}
	d.writeFile("superd.conf", "[Daemon]\nSocketGroup=another-missing-group\n")
	out, errs, code := d.cli("reload")
	if code != 0 || strings.Contains(out+errs, "SocketGroup") {
		t.Errorf("supers reload: exit %d; want no word of SocketGroup\n%s%s", code, out, errs)
	}
	// Without the flag, the same check fails.
	if err := d.terminate(); err != nil {
		t.Fatal(err)
	}
	d2 := &daemon{t: t, dir: d.dir, logDir: d.logDir, socket: d.socket, client: d.client, seenPIDs: map[int]bool{}}
	d2.writeFile("superd.conf", "[Daemon]\n")
	d2.start()
	d2.waitRunning("web")
	d2.writeFile("superd.conf", "[Daemon]\nSocketGroup=no-such-group-here\n")
	if out, errs, code := d2.cli("check"); code != 1 || !strings.Contains(out+errs, "SocketGroup") {
		t.Errorf("supers check without the flag: exit %d; want 1 naming SocketGroup\n%s%s", code, out, errs)
	}
}
