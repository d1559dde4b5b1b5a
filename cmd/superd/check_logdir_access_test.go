//go:build linux

package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckRefusesExistingLogDirSuperdMayNotWrite: an existing log dir
// that superd's user may not create entries in (root's, 0755, for a superd
// run as nobody) passed superd --check, which looked only at its owner
// and mode; superd then started and ran nothing ("services not created
// ... mkdir ...: permission denied"). The check now fails on it, naming
// the flag and the directory.
func TestCheckRefusesExistingLogDirSuperdMayNotWrite(t *testing.T) {
	t.Parallel()
	base, run := superdAsNobody(t)
	rootOnly, mine := rootsAndNobodys(t, base, "logs")
	sock := filepath.Join(mine, "s.sock")
	out, code := run("--check", "--socket", sock, "--log-dir", rootOnly)
	if code != 1 {
		t.Fatalf("superd --check: exit %d, want 1\n%s", code, out)
	}
	for _, w := range []string{"--log-dir " + rootOnly, "may not create the services' log directories in it", rootOnly + ": permission denied", "superd would run none of them with the log dir"} {
		if !strings.Contains(out, w) {
			t.Errorf("superd --check: output lacks %q:\n%s", w, out)
		}
	}
	// One it may write in passes.
	if out, code := run("--check", "--socket", sock, "--log-dir", mine); code != 0 {
		t.Fatalf("superd --check with a log dir it may write in: exit %d\n%s", code, out)
	}
}
