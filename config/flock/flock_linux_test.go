//go:build linux

package flock

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// A second open file description cannot take the lock the first holds,
// and Holder names the process holding it; once released, it can.
func TestTryLockAndHolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	first, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if Holder(path) != 0 {
		t.Fatal("Holder names a holder before any lock")
	}
	if err := TryLock(first); err != nil {
		t.Fatal(err)
	}
	second, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	if err := TryLock(second); !errors.Is(err, ErrLocked) {
		t.Fatalf("second TryLock: %v, want ErrLocked", err)
	}
	if pid := Holder(path); pid != os.Getpid() {
		t.Errorf("Holder = %d, want %d", pid, os.Getpid())
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	if err := TryLock(second); err != nil {
		t.Errorf("TryLock after the release: %v", err)
	}
	if Holder(filepath.Join(t.TempDir(), "missing")) != 0 {
		t.Error("Holder of a missing file")
	}
}
