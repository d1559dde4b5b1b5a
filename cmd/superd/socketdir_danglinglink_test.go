//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSocketDirThroughLinkToMissingDirIsRefused: a socket whose directory
// is (or lies under) a symbolic link to a directory not created yet passed
// superd --check, which took the dangling link for a missing directory to
// make; superd then failed to start ("listen on ...: lstat TARGET: no such
// file or directory"). Both now say what is wrong, naming the link and its
// target, and the check passes once the target exists.
func TestSocketDirThroughLinkToMissingDirIsRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	conf := confWith(t, dir, "a.service", "[Service]\nExecStart=/bin/sleep 1000\n")
	link, target := filepath.Join(dir, "run"), filepath.Join(dir, "realrun")
	if err := os.Symlink("realrun", link); err != nil {
		t.Fatal(err)
	}
	logDir := filepath.Join(dir, "logs")
	want := link + " is a symbolic link to " + target + ", which does not exist: create it"
	for _, sock := range []string{filepath.Join(link, "s.sock"), filepath.Join(link, "super", "s.sock")} {
		for _, mode := range [][]string{{"--check"}, nil} {
			args := append(mode, "--config-dir", conf, "--socket", sock, "--log-dir", logDir)
			code, stdout, stderr := runSuperd(t, args...)
			if code != 1 || !strings.Contains(stderr, "--socket "+sock+": "+want) {
				t.Errorf("superd %s: exit %d, want 1 with %q\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, want, stdout, stderr)
			}
		}
	}
	if _, err := os.Lstat(target); err == nil {
		t.Error("the link's target was made")
	}
	if err := os.Mkdir(target, 0o750); err != nil {
		t.Fatal(err)
	}
	if code, stdout, stderr := runSuperd(t, "--check", "--config-dir", conf, "--socket", filepath.Join(link, "s.sock"), "--log-dir", logDir); code != 0 {
		t.Fatalf("superd --check once the target exists: exit %d\n%s%s", code, stdout, stderr)
	}
}
