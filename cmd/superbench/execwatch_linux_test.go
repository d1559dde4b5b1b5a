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

// watchKinds are the two kinds of execWatch, made directly.
var watchKinds = []struct {
	name     string
	newWatch func(path string) (*execWatch, error)
}{
	{"fanotify", newFanotifyWatch},
	{"inotify", newInotifyWatch},
}

// newWatchOrSkip makes a watch of prog of the kind k, and skips the test
// where fanotify is not allowed (not root, an old kernel).
func newWatchOrSkip(t *testing.T, k string, newWatch func(string) (*execWatch, error), prog string) *execWatch {
	t.Helper()
	w, err := newWatch(prog)
	if err != nil && k == "fanotify" {
		t.Skipf("fanotify not available here: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.close() })
	return w
}

// quiet checks that w sees no exec for a while.
func quiet(t *testing.T, w *execWatch, what string) {
	t.Helper()
	if _, err := w.wait(context.Background(), 50*time.Millisecond); !errors.Is(err, errNoExec) {
		t.Errorf("%s: wait: err %v, want errNoExec", what, err)
	}
}

// TestExecWatch checks that an exec watch, of either kind, sees the exec of
// its program copy, and not an exec of the original, nor events drained
// before.
func TestExecWatch(t *testing.T) {
	for _, k := range watchKinds {
		t.Run(k.name, func(t *testing.T) {
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
			w := newWatchOrSkip(t, k.name, k.newWatch, prog)

			quiet(t, w, "nothing executed")
			if err := exec.Command("/bin/true").Run(); err != nil {
				t.Fatal(err)
			}
			quiet(t, w, "the original executed")

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
			quiet(t, w, "after a drain")

			// A wait ends with its context.
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			if _, err := w.wait(ctx, 10*time.Second); !errors.Is(err, context.Canceled) {
				t.Errorf("wait with a canceled context: err %v, want context.Canceled", err)
			}

			// When the copy is removed, inotify ends the watch (an
			// error), fanotify drops the mark silently: never an exec.
			if err := os.Remove(prog); err != nil {
				t.Fatal(err)
			}
			_, err = w.wait(context.Background(), time.Second)
			switch {
			case k.name == "inotify" && (err == nil || errors.Is(err, errNoExec)):
				t.Errorf("wait after the copy was removed: err %v, want the watch's end", err)
			case k.name == "fanotify" && !errors.Is(err, errNoExec):
				t.Errorf("wait after the copy was removed: err %v, want errNoExec", err)
			}
		})
	}
}

// TestExecWatchOpenBeforeExec checks that a program opened for reading
// before it is executed, as superd opens the program it is about to run
// to check it, is not taken for its exec by a fanotify watch (an inotify
// watch, which cannot tell them apart, takes it), and that newExecWatch
// chooses fanotify where it can.
func TestExecWatchOpenBeforeExec(t *testing.T) {
	for _, k := range watchKinds {
		t.Run(k.name, func(t *testing.T) {
			prog, err := privateProgram("/bin/true", t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			w := newWatchOrSkip(t, k.name, k.newWatch, prog)
			if k.name == "fanotify" {
				chosen, err := newExecWatch(prog)
				if err != nil {
					t.Fatal(err)
				}
				if chosen.kind != watchFanotify {
					t.Errorf("newExecWatch chose %s where fanotify works", chosen.kind)
				}
				_ = chosen.close()
			}

			b, err := os.ReadFile(prog)
			if err != nil || len(b) == 0 {
				t.Fatalf("read of the copy: %d bytes, err %v", len(b), err)
			}
			if k.name == "inotify" {
				if _, err := w.wait(context.Background(), 10*time.Second); err != nil {
					t.Errorf("inotify after a read of the copy: wait: err %v, want the open", err)
				}
				return
			}
			quiet(t, w, "the copy read, not executed")
			if err := exec.Command(prog).Run(); err != nil {
				t.Fatal(err)
			}
			if _, err := w.wait(context.Background(), 10*time.Second); err != nil {
				t.Errorf("the copy executed after it was read: wait: %v", err)
			}
		})
	}
}
