package logsink

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A directory that cannot be removed at the live file's path is reported
// as unsafe, but not as removed: it is still there.
func TestEnsureFileUnremovableDirNotClaimedRemoved(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stdout.log")
	if err := os.MkdirAll(path, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(path, "precious"), []byte("keep\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	_, unsafe, err := ensureFile(path)
	if err == nil {
		t.Fatal("ensureFile succeeded with a non-empty directory at the path")
	}
	if !errors.Is(unsafe, ErrUnsafeFile) {
		t.Fatalf("unsafe = %v, want ErrUnsafeFile", unsafe)
	}
	if strings.Contains(unsafe.Error(), "removed it") {
		t.Errorf("unsafe = %q claims a removal that failed", unsafe)
	}
	if _, err := os.Stat(filepath.Join(path, "precious")); err != nil {
		t.Errorf("the directory's file is gone: %v", err)
	}
}

// An empty directory at the path is removed, replaced by the file, and
// reported as removed.
func TestEnsureFileEmptyDirRemoved(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stdout.log")
	if err := os.Mkdir(path, 0o750); err != nil {
		t.Fatal(err)
	}
	fi, unsafe, err := ensureFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !fi.Mode().IsRegular() {
		t.Errorf("mode = %v, want a regular file", fi.Mode())
	}
	if unsafe == nil || !strings.Contains(unsafe.Error(), "removed it") {
		t.Errorf("unsafe = %v, want it to tell the directory was removed", unsafe)
	}
}
