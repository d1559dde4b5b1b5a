//go:build unix

package logsink

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOpenRefusesLogDirOfAnotherGroup checks the README's rule for the log
// dir (superd's --log-dir, which holds each service's directory): not
// writable by a group other than root's and superd's own. A member of that
// group could rename a service's directory away and put one of theirs, with
// a symlink for stdout.log, in its place between the Sink's check and
// lumberjack's open. A directory above the log dir may be writable by its
// group (Ubuntu's /var/log), and so may the log dir reached through a
// symlink in such a directory; the rule follows the link.
func TestOpenRefusesLogDirOfAnotherGroup(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give a directory to another group")
	}
	t.Run("log dir", func(t *testing.T) {
		logDir := filepath.Join(t.TempDir(), "logs")
		mkdirMode(t, logDir, 0o770)
		if err := os.Chown(logDir, 0, 54321); err != nil {
			t.Fatal(err)
		}
		assertOpenRefused(t, filepath.Join(logDir, "svc"))
		s, err := Open(Options{Dir: filepath.Join(logDir, "svc")})
		if err == nil {
			s.Close()
			t.Fatal("Open succeeded")
		}
		if !strings.Contains(err.Error(), logDir+" ") {
			t.Errorf("Open = %v, want an error naming %s", err, logDir)
		}
	})
	t.Run("log dir through a symlink", func(t *testing.T) {
		base := t.TempDir()
		real := filepath.Join(base, "real")
		mkdirMode(t, real, 0o770)
		if err := os.Chown(real, 0, 54321); err != nil {
			t.Fatal(err)
		}
		link := filepath.Join(base, "logs")
		if err := os.Symlink(real, link); err != nil {
			t.Fatal(err)
		}
		assertOpenRefused(t, filepath.Join(link, "svc"))
	})
	t.Run("service dir through a symlink into a directory of another group", func(t *testing.T) {
		// logs/svc -> elsewhere/svc: whoever may write in elsewhere could
		// rename svc away and put theirs there, as in the log dir itself.
		base := t.TempDir()
		logDir := filepath.Join(base, "logs")
		mkdirMode(t, logDir, 0o750)
		elsewhere := filepath.Join(base, "elsewhere")
		mkdirMode(t, elsewhere, 0o770)
		if err := os.Chown(elsewhere, 0, 54321); err != nil {
			t.Fatal(err)
		}
		mkdirMode(t, filepath.Join(elsewhere, "svc"), 0o750)
		if err := os.Symlink(filepath.Join(elsewhere, "svc"), filepath.Join(logDir, "svc")); err != nil {
			t.Fatal(err)
		}
		s, err := Open(Options{Dir: filepath.Join(logDir, "svc")})
		if err == nil {
			s.Close()
			t.Fatal("Open succeeded")
		}
		if !strings.Contains(err.Error(), elsewhere+" ") {
			t.Errorf("Open = %v, want an error naming %s", err, elsewhere)
		}
	})
	t.Run("above the log dir", func(t *testing.T) {
		above := filepath.Join(t.TempDir(), "var-log")
		mkdirMode(t, above, 0o775)
		if err := os.Chown(above, 0, 54321); err != nil {
			t.Fatal(err)
		}
		logDir := filepath.Join(above, "super")
		mkdirMode(t, logDir, 0o750)
		s, err := Open(Options{Dir: filepath.Join(logDir, "svc")})
		if err != nil {
			t.Fatalf("Open under a group-writable directory above the log dir: %v", err)
		}
		s.Close()
	})
}
