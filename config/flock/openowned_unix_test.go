//go:build unix

package flock

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// OpenOwned refuses the lock files that could be used against their lock
// (the rules the socket's and the state file's locks share), and keeps
// ours to ourselves.
func TestOpenOwned(t *testing.T) {
	dir := t.TempDir()
	path := func(name string) string { return filepath.Join(dir, name) }

	if err := os.Symlink(path("target"), path("link.lock")); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenOwned(path("link.lock")); err == nil || !strings.Contains(err.Error(), "is a symlink") {
		t.Errorf("a symlink: %v, want it refused", err)
	}
	if _, err := os.Lstat(path("target")); !os.IsNotExist(err) {
		t.Errorf("the symlink's target was created: %v", err)
	}

	if err := syscall.Mkfifo(path("fifo.lock"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenOwned(path("fifo.lock")); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("a FIFO: %v, want it refused", err)
	}

	if err := os.WriteFile(path("open.lock"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path("open.lock"), 0o666); err != nil {
		t.Fatal(err)
	}
	f, err := OpenOwned(path("open.lock"))
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if fi, err := os.Stat(path("open.lock")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("ours, open to others: %v, %v; want mode 0600", fi.Mode(), err)
	}

	if os.Geteuid() == 0 {
		if err := os.WriteFile(path("theirs.lock"), nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(path("theirs.lock"), 54321, 54321); err != nil {
			t.Fatal(err)
		}
		if _, err := OpenOwned(path("theirs.lock")); err == nil || !strings.Contains(err.Error(), "belongs to uid 54321") {
			t.Errorf("another user's: %v, want it refused naming its owner", err)
		}
	}
}
