//go:build unix

package transport

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// CheckSocketDir refuses the directory of a socket that another user
// owns, or that every user may write, and accepts a missing one (the dial
// says so) and one of this user's.
func TestCheckSocketDir(t *testing.T) {
	base := t.TempDir()
	mine := filepath.Join(base, "mine")
	open := filepath.Join(base, "open")
	for _, d := range []string{mine, open} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(open, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := CheckSocketDir(filepath.Join(mine, "superd.sock")); err != nil {
		t.Errorf("a directory of this user's: %v", err)
	}
	if err := CheckSocketDir(filepath.Join(base, "missing", "superd.sock")); err != nil {
		t.Errorf("a missing directory: %v", err)
	}
	if err := CheckSocketDir(filepath.Join(open, "superd.sock")); err == nil || !strings.Contains(err.Error(), "writable by every user") {
		t.Errorf("a directory every user may write: %v", err)
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to give a directory to another user")
	}
	theirs := filepath.Join(base, "theirs")
	if err := os.Mkdir(theirs, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(theirs, 1234, 1234); err != nil {
		t.Fatal(err)
	}
	if err := CheckSocketDir(filepath.Join(theirs, "superd.sock")); err == nil || !strings.Contains(err.Error(), "belongs to uid 1234") {
		t.Errorf("a directory of another user's: %v", err)
	}
}
