//go:build unix

package transport

import (
	"os"
	"path/filepath"
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
