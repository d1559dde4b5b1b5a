//go:build unix

package logsink

import (
	"os"
	"path/filepath"
	"testing"
)

// Open made a service's missing log directory before it checked the path
// leading to it: under a sticky directory such as /tmp, another user's
// directory with a symlink of theirs to /etc on the way had superd, as
// root, create /etc/<service> (mode 0750) before refusing the path. What
// exists of the path is now checked first, and nothing is made there.
func TestOpenMakesNothingUnderAnotherUsersDirectory(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give a directory to another user")
	}
	const nobody = 65534
	base := t.TempDir()
	pub := filepath.Join(base, "pub")
	mkdirMode(t, pub, 0o777|os.ModeSticky) // /tmp
	target := filepath.Join(base, "etc")   // root's, where the attacker points
	mkdirMode(t, target, 0o755)
	theirs := filepath.Join(pub, "superd")
	mkdirMode(t, theirs, 0o755)
	if err := os.Symlink(target, filepath.Join(theirs, "logs")); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{theirs, filepath.Join(theirs, "logs")} {
		if err := os.Lchown(p, nobody, nobody); err != nil {
			t.Fatal(err)
		}
	}
	for _, dir := range []string{
		filepath.Join(theirs, "logs", "x"),      // the service's dir, through their link
		filepath.Join(theirs, "logs", "a", "x"), // and one more level to make
	} {
		assertOpenRefused(t, dir)
	}
	if entries, err := os.ReadDir(target); err != nil || len(entries) != 0 {
		t.Errorf("made in the link's target: %v, %v", entries, err)
	}
}

// A log dir writable by another group is refused before the service's
// directory is made in it: the check of what exists of the path read it
// as a directory above a missing log dir, and the service's directory was
// made, then refused.
func TestOpenMakesNothingInALogDirOfAnotherGroup(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give a directory to another group")
	}
	logDir := filepath.Join(t.TempDir(), "logs")
	mkdirMode(t, logDir, 0o775)
	if err := os.Chown(logDir, 0, 54321); err != nil {
		t.Fatal(err)
	}
	assertOpenRefused(t, filepath.Join(logDir, "svc"))
	if _, err := os.Lstat(filepath.Join(logDir, "svc")); err == nil {
		t.Error("the service's directory was made in a log dir that is refused")
	}
}
