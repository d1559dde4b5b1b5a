//go:build unix

package runstate

import (
	"os"
	"testing"
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
