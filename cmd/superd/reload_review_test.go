//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A config dir that every user may write is refused as a whole: a reload
// changes nothing, and neither may supers apply nor supers rm (503, as for
// a missing dir). apply wrote x.service into that dir, and superd ran it,
// while it refused every other file of the dir.
func TestDefinitionWritesRefusedInAnUntrustedConfigDir(t *testing.T) {
	d := newDaemon(t, map[string]string{"a.service": "[Service]\nExecStart=/bin/sleep 1000\n"}).start()
	d.waitRunning("a")
	pidA := d.status("a").PID
	if err := os.Chmod(d.dir, 0o777); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(d.dir, 0o755) })
	if _, errs, code := d.cli("reload"); code != 1 || !strings.Contains(errs, "configuration unavailable") {
		t.Fatalf("reload: exit %d, %q; want 1, configuration unavailable", code, errs)
	}

	newFile := filepath.Join(t.TempDir(), "x.service")
	if err := os.WriteFile(newFile, []byte("[Service]\nExecStart=/bin/sleep 1000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, code := d.cli("apply", newFile)
	if code != 1 || !strings.Contains(errs, "configuration unavailable") {
		t.Errorf("apply: exit %d, %q, %q; want 1, configuration unavailable", code, out, errs)
	}
	if _, err := os.Lstat(filepath.Join(d.dir, "x.service")); err == nil {
		t.Errorf("apply wrote x.service into the refused dir")
	}
	if _, _, code := d.cli("status", "x"); code != 4 {
		t.Errorf("status x: exit %d, want 4 (unknown): x must not run", code)
	}

	out, errs, code = d.cli("rm", "a")
	if code != 1 || !strings.Contains(errs, "configuration unavailable") {
		t.Errorf("rm: exit %d, %q, %q; want 1, configuration unavailable", code, out, errs)
	}
	if st := d.status("a"); st.State != "running" || st.PID != pidA {
		t.Errorf("a after rm: %+v, want still running as pid %d", st, pidA)
	}

	// Fixed, the dir takes writes again.
	if err := os.Chmod(d.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	d.mustCLI("apply", newFile)
	d.waitRunning("x")
}
