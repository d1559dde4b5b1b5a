//go:build unix

package logsink

import (
	"os"
	"path/filepath"
	"strings"
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
	t.Run("ancestor writable by its group", func(t *testing.T) {
		// Like Ubuntu's /var/log, root:syslog 0775, above the log dir
		// (the log dir itself must not be: see
		// TestOpenRefusesLogDirOfAnotherGroup).
		root := filepath.Join(t.TempDir(), "var-log")
		mkdirMode(t, root, 0o775)
		if os.Geteuid() == 0 {
			if err := os.Chown(root, 0, 54321); err != nil {
				t.Fatal(err)
			}
		}
		s, err := Open(Options{Dir: filepath.Join(root, "super", "svc")})
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
	// x/l1 -> y/l2 -> z/logs: the directory holding l2, an intermediate
	// link, is on neither the path as given nor the target's; whoever may
	// write in it can repoint l2 at a directory of their own.
	t.Run("through a chain of symlinks via a directory others may write", func(t *testing.T) {
		assertOpenRefusedThroughChain(t, func(y string) {
			if err := os.Chmod(y, 0o777); err != nil {
				t.Fatal(err)
			}
		})
	})
	t.Run("through a chain of symlinks via a directory of another user", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("needs root to give a directory to another user")
		}
		assertOpenRefusedThroughChain(t, func(y string) {
			if err := os.Chown(y, 54321, 54321); err != nil {
				t.Fatal(err)
			}
		})
	})
}

// assertOpenRefusedThroughChain makes x/l1 -> y/l2 -> z/logs (x, y and z
// ours, mode 0755; logs 0750) in a new directory, checks that a Sink
// opens in x/l1/svc, lets spoil make y unsafe, and checks that Open then
// refuses x/l1/svc, naming y.
func assertOpenRefusedThroughChain(t *testing.T, spoil func(y string)) {
	t.Helper()
	base := t.TempDir()
	x, y, z := filepath.Join(base, "x"), filepath.Join(base, "y"), filepath.Join(base, "z")
	for _, d := range []string{x, y, z} {
		mkdirMode(t, d, 0o755)
	}
	mkdirMode(t, filepath.Join(z, "logs"), 0o750)
	if err := os.Symlink(filepath.Join(y, "l2"), filepath.Join(x, "l1")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../z/logs", filepath.Join(y, "l2")); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(x, "l1", "svc")
	s, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatalf("Open(%s) before y is spoilt: %v", dir, err)
	}
	s.Close()
	for _, name := range []string{"stdout.log", "stderr.log"} {
		if err := os.Remove(filepath.Join(z, "logs", "svc", name)); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	spoil(y)
	s, err = Open(Options{Dir: dir})
	if err == nil {
		s.Close()
		t.Fatalf("Open(%s) succeeded through a directory others control", dir)
	}
	if !strings.Contains(err.Error(), y+" ") {
		t.Errorf("Open(%s) = %v, want an error naming %s", dir, err, y)
	}
	assertOpenRefused(t, dir)
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
