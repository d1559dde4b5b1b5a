//go:build linux

package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestExecWatch checks that an exec watch sees the exec of its program
// copy, and only that: an exec of the original, or events drained before,
// are not seen.
func TestExecWatch(t *testing.T) {
	dir := t.TempDir()
	prog, err := privateProgram("/bin/true", dir)
	if err != nil {
		t.Fatal(err)
	}
	if prog != filepath.Join(dir, "true") {
		t.Fatalf("copy at %s, want %s", prog, filepath.Join(dir, "true"))
	}
	if _, err := privateProgram("/bin/true", dir); !errors.Is(err, os.ErrExist) {
		t.Errorf("a second copy into the same dir: err %v, want one matching os.ErrExist", err)
	}
	w, err := newExecWatch(prog)
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()

	quiet := func(what string) {
		t.Helper()
		if _, err := w.wait(50 * time.Millisecond); !errors.Is(err, errNoExec) {
			t.Errorf("%s: wait: err %v, want errNoExec", what, err)
		}
	}
	quiet("nothing executed")
	if err := exec.Command("/bin/true").Run(); err != nil {
		t.Fatal(err)
	}
	quiet("the original executed")

	t0 := time.Now()
	if err := exec.Command(prog).Run(); err != nil {
		t.Fatal(err)
	}
	at, err := w.wait(10 * time.Second)
	if err != nil {
		t.Fatalf("the copy executed: wait: %v", err)
	}
	if at.Before(t0) {
		t.Errorf("wait reported %v, before the exec began at %v", at, t0)
	}
	// The event stays until drained: seen again, then no more.
	if _, err := w.wait(time.Second); err != nil {
		t.Errorf("wait before a drain: %v, want the same event", err)
	}
	if err := w.drain(); err != nil {
		t.Fatal(err)
	}
	quiet("after a drain")
}
