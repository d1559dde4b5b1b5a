//go:build unix

package logsink

import (
	"os"
	"path/filepath"
	"testing"
)

// TestOpenRefusesDirOthersCanWrite checks that a Sink never writes in a log
// directory that a user other than root and superd's own can write in (or
// under such a directory). That user could swap the log file for a symlink
// between the Sink's check and lumberjack's open, which follows symlinks:
// superd, as root, would then append the service's output (which that
// user may control) to any file, /etc/passwd included.
func TestOpenRefusesDirOthersCanWrite(t *testing.T) {
	t.Run("log dir writable by others", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "svc")
		mkdirMode(t, dir, 0o777)
		assertOpenRefused(t, dir)
	})
	t.Run("parent writable by others", func(t *testing.T) {
		root := filepath.Join(t.TempDir(), "logs")
		mkdirMode(t, root, 0o777)
		assertOpenRefused(t, filepath.Join(root, "svc"))
	})
	t.Run("sticky parent", func(t *testing.T) {
		// Like /tmp: others cannot rename what is not theirs.
		root := filepath.Join(t.TempDir(), "logs")
		mkdirMode(t, root, 0o777|os.ModeSticky)
		s, err := Open(Options{Dir: filepath.Join(root, "svc")})
		if err != nil {
			t.Fatalf("Open under a sticky directory: %v", err)
		}
		s.Close()
	})
	t.Run("parent writable by its group", func(t *testing.T) {
		// Like Ubuntu's /var/log, root:syslog 0775.
		root := filepath.Join(t.TempDir(), "logs")
		mkdirMode(t, root, 0o775)
		if os.Geteuid() == 0 {
			if err := os.Chown(root, 0, 54321); err != nil {
				t.Fatal(err)
			}
		}
		s, err := Open(Options{Dir: filepath.Join(root, "svc")})
		if err != nil {
			t.Fatalf("Open under a group-writable directory: %v", err)
		}
		s.Close()
	})
	t.Run("log dir writable by another group", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("needs root to give a directory to another group")
		}
		dir := filepath.Join(t.TempDir(), "svc")
		mkdirMode(t, dir, 0o770)
		if err := os.Chown(dir, 0, 54321); err != nil {
			t.Fatal(err)
		}
		assertOpenRefused(t, dir)
	})
	t.Run("log dir owned by another user", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("needs root to give a directory to another user")
		}
		dir := filepath.Join(t.TempDir(), "svc")
		mkdirMode(t, dir, 0o755)
		if err := os.Chown(dir, 54321, 54321); err != nil {
			t.Fatal(err)
		}
		assertOpenRefused(t, dir)
	})
}

// mkdirMode creates dir with exactly mode.
func mkdirMode(t *testing.T, dir string, mode os.FileMode) {
	t.Helper()
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, mode); err != nil {
		t.Fatal(err)
	}
}

// assertOpenRefused checks that Open fails on dir and creates no log file.
func assertOpenRefused(t *testing.T, dir string) {
	t.Helper()
	s, err := Open(Options{Dir: dir})
	if err == nil {
		s.Close()
		t.Fatalf("Open(%s) succeeded in a directory others can write in", dir)
	}
	t.Logf("refused: %v", err)
	for _, name := range []string{"stdout.log", "stderr.log"} {
		if _, err := os.Lstat(filepath.Join(dir, name)); err == nil {
			t.Errorf("Open created %s", name)
		}
	}
}
