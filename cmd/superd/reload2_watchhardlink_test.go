//go:build linux

package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestReloadWatchFollowsHardLinkedFile: with --watch, a service file that
// has another name out of the config dir (a hard link) is followed: an
// edit in place through that name, which raises no event in the config
// dir, is applied as an edit of a file of the dir is.
func TestReloadWatchFollowsHardLinkedFile(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, nil)
	other := filepath.Join(filepath.Dir(d.dir), "app.service")
	write := func(sleep string) {
		t.Helper()
		// In place: the file, and so both its names, keeps its inode.
		if err := os.WriteFile(other, []byte("[Service]\nExecStart=/bin/sleep "+sleep+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("1001")
	if err := os.Link(other, filepath.Join(d.dir, "app.service")); err != nil {
		t.Fatal(err)
	}
	d.extraArgs = []string{"--watch"}
	d.start()
	runs := func(what, arg string) {
		t.Helper()
		d.waitSleeping(what, "app", arg)
	}
	runs("app running", "1001")

	write("1002")
	runs("app restarted with the file edited through its other name", "1002")
	write("1003")
	runs("app restarted again", "1003")
}
