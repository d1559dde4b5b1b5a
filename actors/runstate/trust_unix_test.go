//go:build unix

package runstate

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestOpenRefusesStateFileOthersControl checks that a state file another
// user could have written is not trusted: KillStale kills the process
// groups it lists, so whoever writes it (say, by creating it first in a
// shared directory such as /tmp) could have superd kill any process.
func TestOpenRefusesStateFileOthersControl(t *testing.T) {
	t.Run("writable by others", func(t *testing.T) {
		path := statePath(t)
		s, _ := open(t, path)
		if err := s.SetStopped("web", true); err != nil {
			t.Fatal(err)
		}
		s.Close()
		if err := os.Chmod(path, 0o666); err != nil {
			t.Fatal(err)
		}
		assertOpenRefused(t, path)
	})
	t.Run("owned by another user", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("needs root to give a file to another user")
		}
		path := statePath(t)
		s, _ := open(t, path)
		s.Close()
		if err := os.Chown(path, 54321, 54321); err != nil {
			t.Fatal(err)
		}
		assertOpenRefused(t, path)
	})
	// A FIFO would hold Open (and superd's start) for ever, waiting for a
	// writer; superd then did not even end on SIGTERM.
	t.Run("not a regular file", func(t *testing.T) {
		path := statePath(t)
		if err := syscall.Mkfifo(path, 0o600); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			assertOpenRefused(t, path)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			// Unblock the open, so that the test ends.
			if f, err := os.OpenFile(path, os.O_WRONLY, 0); err == nil {
				f.Close()
			}
			<-done
			t.Fatal("Open of a FIFO blocked")
		}
	})
}

// assertOpenRefused checks that Open fails on path.
func assertOpenRefused(t *testing.T, path string) {
	t.Helper()
	s, st, err := Open(path, testLogger(t))
	if err == nil {
		s.Close()
		t.Fatalf("Open trusted a state file others control: %+v", st)
	}
	t.Logf("refused: %v", err)
}

// The lock file beside the state file is not followed through a symlink,
// nor taken from another user: in a shared sticky directory (a socket dir
// the design allows), a symlink planted at STATE.lock had superd, as root,
// create a file where its owner chose (/etc/nologin would block logins),
// and a lock file of another user let its owner hold the lock and keep
// superd from starting.
func TestOpenRefusesLockFileOthersControl(t *testing.T) {
	t.Run("symlink", func(t *testing.T) {
		path := statePath(t)
		target := path + ".target"
		if err := os.Symlink(target, path+".lock"); err != nil {
			t.Fatal(err)
		}
		_, _, err := Open(path, nil)
		if err == nil || !strings.Contains(err.Error(), "symlink") {
			t.Fatalf("Open with a symlink at the lock file: %v; want an error saying it is a symlink", err)
		}
		if _, err := os.Lstat(target); !os.IsNotExist(err) {
			t.Fatalf("the symlink's target was created: %v", err)
		}
	})
	t.Run("owned by another user", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("needs root to give a file to another user")
		}
		path := statePath(t)
		if err := os.WriteFile(path+".lock", nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(path+".lock", 54321, 54321); err != nil {
			t.Fatal(err)
		}
		_, _, err := Open(path, nil)
		if err == nil || !strings.Contains(err.Error(), "belongs to uid 54321") {
			t.Fatalf("Open with another user's lock file: %v; want an error naming its owner", err)
		}
	})
	t.Run("ours, open to others", func(t *testing.T) {
		path := statePath(t)
		if err := os.WriteFile(path+".lock", nil, 0o666); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path+".lock", 0o666); err != nil {
			t.Fatal(err)
		}
		s, _, err := Open(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		fi, err := os.Stat(path + ".lock")
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("lock file: %v, %v; want mode 0600", fi.Mode(), err)
		}
	})
}

// A state directory that the members of another group may write is
// refused, as one every user may write: any of them could replace the
// state file, which decides what the next superd kills, or its lock file.
// The README said so; only the owner and "every user" were checked. A
// sticky one, or one of root's group or this process's, is not refused.
func TestOpenRefusesADirectoryAnotherGroupMayWrite(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give a directory to another group")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "superd.state")
	if err := os.Chown(dir, -1, 54321); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o770); err != nil {
		t.Fatal(err)
	}
	_, _, err := Open(path, testLogger(t))
	if err == nil || !strings.Contains(err.Error(), "writable by the members of group 54321") {
		t.Fatalf("Open in a directory group 54321 may write: %v, want it refused naming the group", err)
	}
	// superd --check says so too, before a start that would fail.
	if err := Check(path); err == nil || !strings.Contains(err.Error(), "writable by the members of group 54321") {
		t.Fatalf("Check in a directory group 54321 may write: %v, want it refused naming the group", err)
	}
	// And of a state dir not made yet under it: superd would make it,
	// then refuse it.
	if err := Check(filepath.Join(dir, "sub", "more", "superd.state")); err == nil || !strings.Contains(err.Error(), "writable by the members of group 54321") {
		t.Fatalf("Check of a state dir to be made in a directory group 54321 may write: %v, want it refused naming the group", err)
	}
	for _, mode := range []os.FileMode{os.ModeSticky | 0o770, 0o750} {
		if err := os.Chmod(dir, mode); err != nil {
			t.Fatal(err)
		}
		s, _, err := Open(path, testLogger(t))
		if err != nil {
			t.Fatalf("Open in a directory of mode %04o: %v", mode, err)
		}
		s.Close()
	}
}
