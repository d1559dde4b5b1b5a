//go:build linux

package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestExecWatch checks that an exec watch sees the exec of its program
// copy, and not an exec of the original, nor events drained before. (A
// plain open of the copy would count too: nothing opens it in the
// benchmark.)
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
		if _, err := w.wait(context.Background(), 50*time.Millisecond); !errors.Is(err, errNoExec) {
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
	at, err := w.wait(context.Background(), 10*time.Second)
	if err != nil {
		t.Fatalf("the copy executed: wait: %v", err)
	}
	if at.Before(t0) {
		t.Errorf("wait reported %v, before the exec began at %v", at, t0)
	}
	// An exec seen before a drain is not seen after it.
	if err := exec.Command(prog).Run(); err != nil {
		t.Fatal(err)
	}
	if err := w.drain(); err != nil {
		t.Fatal(err)
	}
	quiet("after a drain")

	// A wait ends with its context.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := w.wait(ctx, 10*time.Second); !errors.Is(err, context.Canceled) {
		t.Errorf("wait with a canceled context: err %v, want context.Canceled", err)
	}

	// The watch ends when the copy is removed: an error, not an exec.
	if err := os.Remove(prog); err != nil {
		t.Fatal(err)
	}
	if _, err := w.wait(context.Background(), 10*time.Second); err == nil || errors.Is(err, errNoExec) {
		t.Errorf("wait after the copy was removed: err %v, want the watch's end", err)
	}
}
