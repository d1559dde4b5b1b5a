//go:build unix

package logsink

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOpenNamesALogDirLinkToAMissingDirectory: a log dir that is a
// symbolic link to a directory not created yet (logs -> real) failed each
// service's Open with "open .../logs: not a directory", and CheckLogDir
// with a failed lstat of the target. Both now name the link and its
// target, and make nothing there.
func TestOpenNamesALogDirLinkToAMissingDirectory(t *testing.T) {
	base := t.TempDir()
	link, target := filepath.Join(base, "logs"), filepath.Join(base, "real")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	want := link + " is a symbolic link to " + target + ", which does not exist: create it"
	if err := CheckLogDir(link); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("CheckLogDir(%s) = %v, want %q", link, err, want)
	}
	s, err := Open(Options{Dir: filepath.Join(link, "svc")})
	if err == nil {
		s.Close()
		t.Fatal("Open through a link to a missing directory succeeded")
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("Open = %v, want %q", err, want)
	}
	if _, err := os.Lstat(target); err == nil {
		t.Error("the link's target was made")
	}
}
