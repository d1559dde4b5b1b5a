//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The control socket removed while superd runs (by hand, or by a cleaner
// of old files in /tmp), even with its directory: SIGHUP makes it again,
// and the CLI reaches superd, whose services were not disturbed.
func TestSIGHUPRestoresRemovedSocket(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{"a.service": "[Service]\nExecStart=/bin/sleep 1000\n"}).start()
	first := d.waitRunning("a")
	for _, remove := range []func() error{
		func() error { return os.Remove(d.socket) },
		func() error {
			// The state file's writes may put a file in the dir meanwhile.
			var err error
			for range 100 {
				if err = os.RemoveAll(filepath.Dir(d.socket)); err == nil {
					break
				}
			}
			return err
		},
	} {
		if err := remove(); err != nil {
			t.Fatal(err)
		}
		if _, _, code := d.cli("status", "a"); code == 0 {
			t.Fatal("supers reached superd through a removed socket")
		}
		if err := d.cmd.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 10*time.Second, "the socket made again", func() bool {
			_, _, code := d.cli("status", "a")
			return code == 0
		})
		if st := d.status("a"); st.PID != first.PID {
			t.Fatalf("a was disturbed: pid %d, was %d", st.PID, first.PID)
		}
	}
	// Logged once the socket is there again, perhaps after the CLI
	// reached it.
	count := func() int {
		return strings.Count(d.stderr.String(), "the control socket had been removed: created again")
	}
	waitFor(t, 20*time.Second, "the second record of the socket made again", func() bool { return count() >= 2 })
	if n := count(); n != 2 {
		t.Fatalf("want 2 log records of the socket made again, got %d:\n%s", n, d.stderr.String())
	}
}
