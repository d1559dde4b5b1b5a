package config

import (
	"errors"
	"syscall"
	"testing"
	"time"
)

// TestLockDirAfterCloseWhileForked: a lock released by Close while a copy
// of its descriptor lives on (in a child forked at that moment, until it
// runs its program: a dup stands for it here, closed 100 ms later) is
// taken by the next LockDir of this process once the copy is gone. The
// next LockDir failed at once with ErrDirInUse naming this very process:
// a supervisor closed and another started on the same dir, while a third
// started a service, failed to start.
func TestLockDirAfterCloseWhileForked(t *testing.T) {
	dir := t.TempDir()
	first, err := LockDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	child, err := syscall.Dup(int(first.f.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	execed := time.AfterFunc(100*time.Millisecond, func() { _ = syscall.Close(child) })
	defer func() {
		if execed.Stop() {
			_ = syscall.Close(child)
		}
	}()
	second, err := LockDir(dir)
	if err != nil {
		t.Fatalf("LockDir after Close, the lock's copy closed 100 ms later: %v", err)
	}
	defer second.Close()

	// Held for good within this process: refused once the wait is over.
	start := time.Now()
	if _, err := LockDir(dir); !errors.Is(err, ErrDirInUse) {
		t.Fatalf("LockDir of a dir this process holds: %v, want ErrDirInUse", err)
	}
	if waited := time.Since(start); waited < ownLockWait {
		t.Errorf("LockDir of a dir this process holds failed after %v, before its wait of %v", waited, ownLockWait)
	}
}
