//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLogDirThatIsAFileIsRefused: a --log-dir that names a regular file
// is a mistake superd says at once, and superd --check too. superd
// started, and every service was "not created" for good (without a config
// dir to reload, nothing ever tried again).
func TestLogDirThatIsAFileIsRefused(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "etc")
	if err := os.Mkdir(conf, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(conf, "a.service"), []byte("[Service]\nExecStart=/bin/sleep 1000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "logs")
	if err := os.WriteFile(file, []byte("not a dir\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	want := "log dir " + file + ": not a directory"
	for _, mode := range [][]string{{"--check"}, nil} {
		args := append(mode, "--config-dir", conf, "--socket", filepath.Join(dir, "s.sock"), "--log-dir", file)
		code, stdout, stderr := runSuperd(t, args...)
		if code != 1 || !strings.Contains(stderr, want) {
			t.Errorf("superd %s: exit %d, want 1 with %q\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, want, stdout, stderr)
		}
	}
}
