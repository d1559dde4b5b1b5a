package actors_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/supers-dev/supers/config/pathsafe"
)

// TestRunTokenFileDirDanglingLink: a token file whose directory is a
// symbolic link to a missing directory got Run's hint for a missing one,
// "directory D does not exist (create the directory ...)", and a mkdir
// of D fails: the name exists. The error now names the link and the
// target to create (a *pathsafe.DanglingLinkError), and still wraps the
// cause; the target is not made.
func TestRunTokenFileDirDanglingLink(t *testing.T) {
	dir := t.TempDir()
	link, target := filepath.Join(dir, "tokdir"), filepath.Join(dir, "tokreal")
	if err := os.Symlink("tokreal", link); err != nil {
		t.Fatal(err)
	}
	err := runWithTokenFile(t, dir, filepath.Join(link, "tok"))
	msg := err.Error()
	want := link + " is a symbolic link to " + target + ", which does not exist: create it"
	for _, w := range []string{want, "HTTP.TokenFile"} {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q does not contain %q", msg, w)
		}
	}
	if strings.Contains(msg, "does not exist (create the directory") {
		t.Errorf("error %q takes the link for a missing directory", msg)
	}
	if dl := (*pathsafe.DanglingLinkError)(nil); !errors.As(err, &dl) || dl.Link != link || dl.Target != target {
		t.Errorf("error %v does not wrap the link's DanglingLinkError", err)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("error %v does not wrap its cause", err)
	}
	if _, err := os.Lstat(target); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the link's target after Run: %v, want none", err)
	}
}
