//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLogDirThroughLinkToMissingDirIsRefused: a log dir that is (or lies
// under) a symbolic link to a directory not created yet passed superd
// --check, which took the dangling link for a missing directory; superd
// then started and ran no service ("create log directory: open ...: not
// a directory"). Both now refuse it, naming the link and its target; once
// the target exists, the check passes.
func TestLogDirThroughLinkToMissingDirIsRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	conf := confWith(t, dir, "a.service", "[Service]\nExecStart=/bin/sleep 1000\n")
	link, target := filepath.Join(dir, "logs"), filepath.Join(dir, "real")
	if err := os.Symlink("real", link); err != nil { // relative: named as absolute
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "s.sock")
	want := link + " is a symbolic link to " + target + ", which does not exist: create it"
	for _, logDir := range []string{link, filepath.Join(link, "super")} {
		for _, mode := range [][]string{{"--check"}, nil} {
			args := append(mode, "--config-dir", conf, "--socket", sock, "--log-dir", logDir)
			code, stdout, stderr := runSuperd(t, args...)
			if code != 1 || !strings.Contains(stderr, "log dir "+logDir+": "+want) {
				t.Errorf("superd %s: exit %d, want 1 with %q\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, want, stdout, stderr)
			}
			if mode != nil && !strings.Contains(stderr, "superd could not start with the command line") {
				t.Errorf("superd --check: the note does not say superd could not start:\n%s", stderr)
			}
		}
	}
	if _, err := os.Lstat(target); err == nil {
		t.Error("the link's target was made")
	}
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	checkLogDir(t, conf, dir, link)
}
