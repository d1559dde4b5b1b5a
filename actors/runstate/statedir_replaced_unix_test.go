//go:build unix

package runstate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The state file's directory (beside the socket: under /tmp, say) removed
// by a cleaner of old files, and made again by another user: superd
// wrote its state file and created its lock file in that user's
// directory, as root ("the state file was removed or replaced; written
// again"), where they could swap them (an older state file of root's, a
// hard link to a file of root's that opening the lock file would
// chmod). The control socket, beside it, was refused there. A directory
// another user could change is refused, at Open and before a write alike,
// and nothing is created in it.
func TestStateDirReplacedByAnotherUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give a directory to another user")
	}
	const other = 54321
	base := t.TempDir()
	dir := filepath.Join(base, "run")
	if err := os.Mkdir(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "superd.state")
	s, _ := open(t, path)
	if err := s.SetStopped("web", true); err != nil {
		t.Fatal(err)
	}

	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, other, other); err != nil {
		t.Fatal(err)
	}
	wrote, err := s.Restore()
	if err == nil || !strings.Contains(err.Error(), dir) {
		t.Errorf("Restore into a directory of uid %d: wrote %v, err %v; want an error naming %s", other, wrote, err, dir)
	}
	if err := s.SetStopped("api", true); err == nil {
		t.Errorf("SetStopped with the state directory owned by uid %d: no error", other)
	}
	if entries, _ := os.ReadDir(dir); len(entries) > 0 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("superd's process created %v in a directory of uid %d", names, other)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	opened.Delete(path)

	// Open refuses it too (an embedding program's StateFile there).
	if st, _, err := Open(path, testLogger(t)); err == nil {
		_ = st.Close()
		t.Errorf("Open of a state file in a directory of uid %d: no error", other)
	} else if !strings.Contains(err.Error(), "uid 54321") {
		t.Errorf("Open of a state file in a directory of uid %d: %v, want it to name the owner", other, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) > 0 {
		t.Errorf("Open created %d files in a directory of uid %d", len(entries), other)
	}
}
