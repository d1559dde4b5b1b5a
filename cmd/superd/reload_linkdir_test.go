//go:build linux

package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestWatchFollowsARecreatedTargetDir: with --watch, a service file
// linked out of the config dir is still followed after the directory
// holding its target is removed and made again (a release dir replaced
// in place) before the reload: the kernel drops the watch of a removed
// directory, and the new one must be watched again.
func TestWatchFollowsARecreatedTargetDir(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, nil)
	rel := filepath.Join(filepath.Dir(d.dir), "opt", "r1")
	if err := os.MkdirAll(rel, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(sleep string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(rel, "app.service"), []byte("[Service]\nExecStart=/bin/sleep "+sleep+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("1001")
	if err := os.Symlink(filepath.Join(rel, "app.service"), filepath.Join(d.dir, "app.service")); err != nil {
		t.Fatal(err)
	}
	d.extraArgs = []string{"--watch"}
	d.start()
	runs := func(what, arg string) {
		t.Helper()
		d.waitSleeping(what, "app", arg)
	}
	runs("app running", "1001")

	// The dir replaced at once, faster than the debounce.
	if err := os.RemoveAll(rel); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(rel, 0o755); err != nil {
		t.Fatal(err)
	}
	write("1002")
	runs("app restarted with the new dir's file", "1002")

	// An edit in the new dir. Written again each second until applied:
	// the reload that re-watches the dir may still be on its way when
	// app runs 1002, and an edit made before it would be missed for a
	// reason that is not the one tested (the new dir never watched).
	written := time.Time{}
	edited := func() bool {
		if time.Since(written) >= time.Second {
			write("1003")
			written = time.Now()
		}
		return false
	}
	waitFor(t, 10*time.Second, "app restarted with the file edited in the new dir", func() bool {
		st := d.status("app")
		cmd, _ := os.ReadFile("/proc/" + itoa(st.PID) + "/cmdline")
		return (st.State == "running" && string(cmd) == "/bin/sleep\x001003\x00") || edited()
	})
}
