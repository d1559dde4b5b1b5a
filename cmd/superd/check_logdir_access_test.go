//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckRefusesExistingLogDirSuperdMayNotWrite: an existing log dir
// that superd's user may not create entries in (root's, 0755, for a superd
// run as nobody) passed superd --check, which looked only at its owner
// and mode; superd then started without the services whose log directory
// it had to make ("services not created ... mkdir ...: permission
// denied"). The check now fails on each such service, naming its file, the
// flag and the directory; a service whose log directory was made
// beforehand (superd uses it as it is) passes.
func TestCheckRefusesExistingLogDirSuperdMayNotWrite(t *testing.T) {
	t.Parallel()
	base, run := superdAsNobody(t)
	rootOnly, mine := rootsAndNobodys(t, base, "logs")
	sock := filepath.Join(mine, "s.sock")
	out, code := run("--check", "--socket", sock, "--log-dir", rootOnly)
	if code != 1 {
		t.Fatalf("superd --check: exit %d, want 1\n%s", code, out)
	}
	for _, w := range []string{"a.service", "its log directory cannot be made", "may not create a in the log dir (--log-dir)", rootOnly + ": permission denied", "(1 of them could not start on this machine now)"} {
		if !strings.Contains(out, w) {
			t.Errorf("superd --check: output lacks %q:\n%s", w, out)
		}
	}
	// One it may write in passes.
	if out, code := run("--check", "--socket", sock, "--log-dir", mine); code != 0 {
		t.Fatalf("superd --check with a log dir it may write in: exit %d\n%s", code, out)
	}
	// So does the root's log dir once the service's directory is there,
	// superd's user's.
	svcDir := filepath.Join(rootOnly, "a")
	if err := os.Mkdir(svcDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(svcDir, nobodyUID, nobodyUID); err != nil {
		t.Fatal(err)
	}
	if out, code := run("--check", "--socket", sock, "--log-dir", rootOnly); code != 0 {
		t.Fatalf("superd --check with the service's log directory made beforehand: exit %d\n%s", code, out)
	}
}
