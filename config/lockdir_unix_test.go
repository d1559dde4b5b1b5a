//go:build unix

package config

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestLockDir: a second lock of the same directory fails with ErrDirInUse
// until the first is released, even from another process (flock locks
// belong to open files, so this also holds within one process); a
// read-only directory can be locked; a missing one is not locked.
func TestLockDir(t *testing.T) {
	dir := t.TempDir()
	first, err := LockDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = LockDir(dir)
	if !errors.Is(err, ErrDirInUse) || !strings.Contains(err.Error(), dir) {
		t.Fatalf("second LockDir: %v, want ErrDirInUse naming %s", err, dir)
	}
	// Linux tells who holds it (/proc/locks).
	if pid := fmt.Sprintf("pid %d holds its lock", os.Getpid()); runtime.GOOS == "linux" && !strings.Contains(err.Error(), pid) {
		t.Errorf("second LockDir: %v, want %q", err, pid)
	}
	// Another process sees the lock too (flock(1) from util-linux).
	if flock, err := exec.LookPath("flock"); err == nil {
		if err := exec.Command(flock, "-n", dir, "true").Run(); err == nil {
			t.Error("flock -n on the locked dir succeeded in another process")
		}
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := LockDir(dir)
	if err != nil {
		t.Fatalf("LockDir after release: %v", err)
	}
	again.Close()

	ro := filepath.Join(t.TempDir(), "ro")
	if err := os.Mkdir(ro, 0o555); err != nil {
		t.Fatal(err)
	}
	l, err := LockDir(ro)
	if err != nil {
		t.Fatalf("read-only dir: %v", err)
	}
	if _, err := LockDir(ro); !errors.Is(err, ErrDirInUse) {
		t.Errorf("read-only dir was not locked: second LockDir gave %v", err)
	}
	l.Close()

	missing, err := LockDir(filepath.Join(dir, "missing"))
	if err != nil {
		t.Fatalf("missing dir: %v", err)
	}
	if err := missing.Close(); err != nil {
		t.Fatal(err)
	}
}

// A config dir replaced under a lock (moved away, a new one made at the
// path) was left unlocked: a second supervisor took it and ran every
// service twice. Refresh moves the lock to the directory the path names,
// and refuses if another holds it; so it does for a directory created
// after a lock taken while it was missing.
func TestDirLockRefreshFollowsTheDirectory(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "conf")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	l, err := LockDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := os.Rename(dir, dir+".old"); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := l.Refresh(); err != nil {
		t.Fatal(err)
	}
	if _, err := LockDir(dir); !errors.Is(err, ErrDirInUse) {
		t.Errorf("the new directory after Refresh: LockDir = %v, want ErrDirInUse", err)
	}
	// The old one is released.
	old, err := LockDir(dir + ".old")
	if err != nil {
		t.Errorf("the replaced directory is still locked: %v", err)
	} else {
		old.Close()
	}

	// Another holds the directory that replaces it: refused, and the lock
	// it had is kept.
	if err := os.Rename(dir, dir+".2"); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	other, err := LockDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Refresh(); !errors.Is(err, ErrDirInUse) {
		t.Errorf("Refresh onto a directory another holds = %v, want ErrDirInUse", err)
	}
	if _, err := LockDir(dir + ".2"); !errors.Is(err, ErrDirInUse) {
		t.Errorf("after a refused Refresh, the directory it had: LockDir = %v, want ErrDirInUse (kept)", err)
	}
	other.Close()

	// Locked while missing, then created.
	late := filepath.Join(root, "late")
	ll, err := LockDir(late)
	if err != nil {
		t.Fatal(err)
	}
	defer ll.Close()
	if err := os.Mkdir(late, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := ll.Refresh(); err != nil {
		t.Fatal(err)
	}
	if _, err := LockDir(late); !errors.Is(err, ErrDirInUse) {
		t.Errorf("a directory created after the lock: LockDir = %v, want ErrDirInUse", err)
	}
	// Closed, it locks nothing again.
	ll.Close()
	if err := ll.Refresh(); err != nil {
		t.Fatal(err)
	}
	if again, err := LockDir(late); err != nil {
		t.Errorf("Refresh after Close took the lock again: %v", err)
	} else {
		again.Close()
	}
}
