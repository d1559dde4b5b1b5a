//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReloadWatchFollowsLinkedFileThatNeverLoaded: with --watch, a service
// file that is a symbolic link out of the config dir is followed even
// while it has never loaded: a target fixed in place, or a missing target
// that appears, is applied as an edit of a file of the dir is, not only
// once something else in the dir changes.
func TestReloadWatchFollowsLinkedFileThatNeverLoaded(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, nil)
	opt := filepath.Join(filepath.Dir(d.dir), "opt")
	if err := os.MkdirAll(opt, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(opt, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("broken.service", "[Service]\nExecStart=/bin/sleep 1001\nRestrat=always\n")
	for _, name := range []string{"broken.service", "late.service"} {
		if err := os.Symlink(filepath.Join(opt, name), filepath.Join(d.dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	d.extraArgs = []string{"--watch"}
	d.start()
	out, errs, code := d.cli("check")
	for _, want := range []string{"Restrat", "late.service"} {
		if code != 1 || !strings.Contains(out+errs, want) {
			t.Fatalf("supers check: exit %d, does not name %s:\n%s%s", code, want, out, errs)
		}
	}

	write("broken.service", "[Service]\nExecStart=/bin/sleep 1001\nRestart=always\n") // fixed in place
	write("late.service", "[Service]\nExecStart=/bin/sleep 1002\n")                   // the missing target appears
	for _, name := range []string{"broken", "late"} {
		d.waitRunning(name)
	}
}
