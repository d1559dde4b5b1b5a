//go:build linux

package main

import (
	"os"
	"path/filepath"
	"testing"
)

// "superd DIR" (superd takes no arguments) said only "unexpected argument
// DIR"; for a directory it now says to give it with --config-dir.
func TestDirectoryArgumentHint(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "a.service")
	if err := os.WriteFile(file, []byte("[Service]\nExecStart=/bin/true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	hint := "superd: error: unexpected argument " + dir + " (a directory: to use it as the config dir, give --config-dir " + dir + ")\n"
	for _, tc := range []struct {
		args   []string
		stderr string
	}{
		{[]string{dir}, hint},
		{[]string{"--check", dir}, hint},
		{[]string{"--config-dir", dir, dir}, hint},
		// Not a directory: no hint.
		{[]string{file}, "superd: error: unexpected argument " + file + "\n"},
		{[]string{filepath.Join(dir, "none")}, "superd: error: unexpected argument " + filepath.Join(dir, "none") + "\n"},
	} {
		code, stdout, stderr := runSuperd(t, tc.args...)
		if code != 2 || stdout != "" || stderr != tc.stderr {
			t.Errorf("superd %q: exit %d, stdout %q, stderr %q\nwant %q", tc.args, code, stdout, stderr, tc.stderr)
		}
	}
}
