//go:build unix

package transport

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestListenUnixRefusesUnsafeDir checks that the socket is never put in a
// directory that another user controls: whoever can write there can
// replace the socket (and the lock and state files beside it) with their
// own, and answer superd's clients in its place. The default socket of a
// user without XDG_RUNTIME_DIR, /tmp/super-UID, has a name anyone can
// create first.
func TestListenUnixRefusesUnsafeDir(t *testing.T) {
	t.Run("writable by others", func(t *testing.T) {
		dir := filepath.Join(shortTempDir(t), "super")
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, 0o777); err != nil {
			t.Fatal(err)
		}
		assertListenRefused(t, filepath.Join(dir, "superd.sock"))
	})
	t.Run("sticky and writable by others", func(t *testing.T) {
		// Like /tmp: others cannot remove or rename what superd creates.
		dir := filepath.Join(shortTempDir(t), "super")
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, 0o777|os.ModeSticky); err != nil {
			t.Fatal(err)
		}
		ln, err := ListenUnix(filepath.Join(dir, "superd.sock"))
		if err != nil {
			t.Fatalf("ListenUnix in a sticky directory: %v", err)
		}
		ln.Close()
	})
	t.Run("under a directory of another user", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("needs root to give a directory to another user")
		}
		parent := filepath.Join(shortTempDir(t), "home")
		if err := os.Mkdir(parent, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(parent, 54321, 54321); err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(parent, "super")
		if err := os.Mkdir(dir, 0o750); err != nil {
			t.Fatal(err)
		}
		assertListenRefused(t, filepath.Join(dir, "superd.sock"))
	})
	t.Run("owned by another user", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("needs root to give a directory to another user")
		}
		dir := filepath.Join(shortTempDir(t), "super")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(dir, 54321, 54321); err != nil {
			t.Fatal(err)
		}
		assertListenRefused(t, filepath.Join(dir, "superd.sock"))
	})
	// A socket dir reached through a symlink is where the link leads:
	// whoever may write in a directory above the target can rename the
	// target away and put a directory of their own, with their own
	// socket, in its place, however safe the link's own path is.
	t.Run("through a symlink into a directory others may write", func(t *testing.T) {
		base := shortTempDir(t)
		open := filepath.Join(base, "open")
		if err := os.Mkdir(open, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(open, 0o777); err != nil {
			t.Fatal(err)
		}
		assertListenRefusedThroughLink(t, base, open)
	})
	t.Run("through a symlink under a directory of another user", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("needs root to give a directory to another user")
		}
		base := shortTempDir(t)
		home := filepath.Join(base, "home")
		if err := os.Mkdir(home, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(home, 54321, 54321); err != nil {
			t.Fatal(err)
		}
		assertListenRefusedThroughLink(t, base, home)
	})
	// x/l1 -> y/l2 -> z/super: the directory holding l2, an intermediate
	// link, is on neither the path as given nor the target's; whoever may
	// write in it can repoint l2 at a directory of their own.
	t.Run("through a chain of symlinks via a directory others may write", func(t *testing.T) {
		base := shortTempDir(t)
		assertListenRefusedThroughChain(t, base, func(y string) {
			if err := os.Chmod(y, 0o777); err != nil {
				t.Fatal(err)
			}
		})
	})
	t.Run("through a chain of symlinks via a directory of another user", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("needs root to give a directory to another user")
		}
		base := shortTempDir(t)
		assertListenRefusedThroughChain(t, base, func(y string) {
			if err := os.Chown(y, 54321, 54321); err != nil {
				t.Fatal(err)
			}
		})
	})
}

// assertListenRefusedThroughChain makes base/x/l1 -> base/y/l2 ->
// base/z/super (x, y and z ours, mode 0755; super 0750), lets spoil make
// y unsafe, and checks that ListenUnix and CheckSocketPath refuse a
// socket in base/x/l1, naming y.
func assertListenRefusedThroughChain(t *testing.T, base string, spoil func(y string)) {
	t.Helper()
	x, y, z := filepath.Join(base, "x"), filepath.Join(base, "y"), filepath.Join(base, "z")
	for _, d := range []string{x, y, z} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(z, "super"), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(y, "l2"), filepath.Join(x, "l1")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../z/super", filepath.Join(y, "l2")); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(x, "l1", "superd.sock")
	if err := CheckSocketPath(path); err != nil {
		t.Fatalf("CheckSocketPath(%s) before y is spoilt: %v", path, err)
	}
	spoil(y)
	err := CheckSocketPath(path)
	if err == nil || !strings.Contains(err.Error(), y+" ") {
		t.Errorf("CheckSocketPath(%s) = %v, want an error naming %s", path, err, y)
	}
	assertListenRefused(t, path)
}

// assertListenRefusedThroughLink makes parent/super, a directory of ours
// (mode 0750), and base/link, a symlink to it, and checks that ListenUnix
// and CheckSocketPath refuse a socket in base/link, naming parent.
func assertListenRefusedThroughLink(t *testing.T, base, parent string) {
	t.Helper()
	dir := filepath.Join(parent, "super")
	if err := os.Mkdir(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(base, "link")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(link, "superd.sock")
	err := CheckSocketPath(path)
	if err == nil || !strings.Contains(err.Error(), parent) {
		t.Errorf("CheckSocketPath(%s) = %v, want an error naming %s", path, err, parent)
	}
	assertListenRefused(t, path)
}

// assertListenRefused checks that ListenUnix refuses path and creates
// nothing beside it.
func assertListenRefused(t *testing.T, path string) {
	t.Helper()
	ln, err := ListenUnix(path)
	if err == nil {
		ln.Close()
		t.Fatalf("ListenUnix(%s) in an unsafe directory succeeded", path)
	}
	t.Logf("refused: %v", err)
	entries, _ := os.ReadDir(filepath.Dir(path))
	for _, e := range entries {
		t.Errorf("ListenUnix left %s behind", e.Name())
	}
}

// Whoever can open the socket's lock file can hold its lock, and superd
// then refuses to start, saying another superd runs: a lock file another
// user left in a shared sticky directory was used as it was, and one of
// ours that others could open stayed so.
func TestListenUnixLockFileOwner(t *testing.T) {
	dir := shortTempDir(t)
	ours := filepath.Join(dir, "a.sock")
	if err := os.WriteFile(ours+".lock", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	ln, err := ListenUnix(ours)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(ours + ".lock")
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("our lock file: %v, %v; want mode 0600", fi.Mode(), err)
	}
	_ = ln.Close()

	if os.Geteuid() != 0 {
		t.Skip("giving a file to another user needs root")
	}
	theirs := filepath.Join(dir, "b.sock")
	if err := os.WriteFile(theirs+".lock", nil, 0o666); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(theirs+".lock", 65534, 65534); err != nil {
		t.Fatal(err)
	}
	ln, err = ListenUnix(theirs)
	if err == nil {
		_ = ln.Close()
		t.Fatal("a lock file of uid 65534 was used")
	}
	if !strings.Contains(err.Error(), "belongs to uid 65534") {
		t.Errorf("error %q does not name the owner", err)
	}
	if _, err := os.Lstat(theirs); err == nil {
		t.Error("the socket was created")
	}
}
