//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A new definition whose service cannot be created (its log directory is
// refused) is written all the same: the error says so, so that the user
// knows that fixing the cause and a start (or reload) is all it takes.
func TestDefsReviewPutNotCreatedSaysWritten(t *testing.T) {
	d := newDaemon(t, nil).start()
	if err := os.MkdirAll(d.logDir, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(d.logDir, "api"), nil, 0o640); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(t.TempDir(), "api.service")
	if err := os.WriteFile(src, []byte("[Service]\nExecStart=/bin/sleep 1000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(d.dir, "api.service")
	_, errOut, code := d.cli("apply", src)
	if code != 1 || !strings.Contains(errOut, "service api not created") || !strings.Contains(errOut, file+" is written") {
		t.Fatalf("apply of a service that cannot be created: exit %d, stderr %q", code, errOut)
	}
	if _, err := os.Stat(file); err != nil {
		t.Fatalf("the file was not written: %v", err)
	}
	// Once the cause is gone, a start loads and runs it, as the error says.
	if err := os.Remove(filepath.Join(d.logDir, "api")); err != nil {
		t.Fatal(err)
	}
	d.mustCLI("start", "api")
	d.waitRunning("api")
}
