//go:build unix

package runstate

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/supers-dev/supers/config/pathsafe"
)

// TestStateDirDanglingLinkIsNamed: once pathsafe.Existing took a symbolic
// link to a missing directory for something there (a DanglingLinkError),
// makeStateDir dropped that error and took a state directory replaced by
// such a link as present; the write then failed with an error that did
// not name the link ("lstat TARGET: no such file or directory"). The
// write's error is now the link's DanglingLinkError, and its target is
// not made.
func TestStateDirDanglingLinkIsNamed(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "run")
	if err := os.Mkdir(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	s, _, err := Open(filepath.Join(dir, "s.state"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(base, "gone")
	if err := os.Symlink(target, dir); err != nil {
		t.Fatal(err)
	}
	err = s.SetStopped("a", true)
	var dl *pathsafe.DanglingLinkError
	if !errors.As(err, &dl) || dl.Link != dir || dl.Target != target {
		t.Fatalf("a write through the dangling state dir: %v, want the link's DanglingLinkError", err)
	}
	if s.RemadeDir() {
		t.Error("the state directory counts as made again")
	}
	if _, err := os.Lstat(target); err == nil {
		t.Error("the link's target was made")
	}
}
