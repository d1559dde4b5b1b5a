//go:build unix

package runstate

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// The state file's directory removed with its files takes the lock file
// with it. The next write locks the new lock file first: if another
// supervisor holds it (it started on the same path meanwhile), nothing is
// written over its state file (ErrInUse), so that the two do not rewrite
// each other's file without end, and its successor never reads this one's
// records and marker; once it is free again, the write goes through, and
// the lock is this Store's again.
func TestWriteRetakesTheLockOfARemovedDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	if err := os.Mkdir(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "superd.state")
	s, _ := open(t, path)
	// The removed state file is held open, so that the new one does not
	// get its inode number (a file system reuses a freed one at once):
	// Restore would take the new file for the one it wrote.
	held, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	other, err := lockState(path)
	if err != nil {
		t.Fatalf("another supervisor's lock on the new file: %v", err)
	}
	const theirs = "their state\n"
	if err := os.WriteFile(path, []byte(theirs), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.SetStopped("web", true); !errors.Is(err, ErrInUse) {
		t.Fatalf("write under another's lock: %v, want ErrInUse", err)
	}
	if wrote, err := s.Restore(); !errors.Is(err, ErrInUse) {
		t.Fatalf("Restore under another's lock: %v, %v; want ErrInUse", wrote, err)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != theirs {
		t.Fatalf("the other's state file: %q, %v; want it untouched", b, err)
	}

	if err := other.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.SetStopped("db", true); err != nil {
		t.Fatalf("write once the lock is free: %v", err)
	}
	if st := readFile(t, path); len(st.Stopped) != 2 {
		t.Fatalf("state file: stopped %v, want web and db", st.Stopped)
	}
	if l, err := lockState(path); !errors.Is(err, ErrInUse) {
		if l != nil {
			l.Close()
		}
		t.Fatalf("a second lock after the write: %v, want ErrInUse (the Store holds it again)", err)
	}
}
