//go:build linux

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/supers-dev/supers/config"
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

// Definitions written and removed over and over (as a socket user may do
// with its own) do not fill the config dir's file system: the trash keeps
// the latest removals of each name only.
func TestDefsReviewTrashBounded(t *testing.T) {
	d := newDaemon(t, nil).start()
	sock := d.socketAPI()
	path := "/v1/services/churn/definition"
	for i := range config.TrashKeep + 3 {
		def := fmt.Sprintf("[Service]\nExecStart=/bin/sleep %d\nAutoStart=no\n", 1000+i)
		want(t, sock.do("PUT", path, []byte(def)), 201, "create")
		want(t, sock.do("DELETE", path, nil), 200, "delete")
	}
	trashed, err := filepath.Glob(filepath.Join(d.dir, config.TrashDir, "churn.service.*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(trashed) != config.TrashKeep {
		t.Fatalf("the trash holds %d removals of churn, want %d", len(trashed), config.TrashKeep)
	}
	// The latest is among them.
	last := fmt.Sprintf("ExecStart=/bin/sleep %d\n", 1000+config.TrashKeep+2)
	found := false
	for _, f := range trashed {
		if b, _ := os.ReadFile(f); strings.Contains(string(b), last) {
			found = true
		}
	}
	if !found {
		t.Errorf("the latest removal is not in the trash")
	}
}
