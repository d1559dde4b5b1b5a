package transport

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// With a control group, the socket's directory removed and made again by
// someone else before Restore (a tmpfiles rule, a script: 0700, no
// group), Restore gives it to the group as the first listen would have
// (ListenUnixGroup on an existing directory of superd's): the socket it
// made was out of the group's reach.
func TestRestoreGivesRecreatedDirToGroup(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give files to another group")
	}
	const control = 4242
	base := shortTempDir(t)
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(base, "run", "d.sock")
	ln, err := ListenUnixGroup(path, control)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if mode, gid := statDir(t, filepath.Dir(path)); mode.Perm() != 0o750 || gid != control {
		t.Fatalf("directory first made: %v, group %d", mode, gid)
	}
	if err := os.RemoveAll(filepath.Dir(path)); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if made, err := ln.Restore(); !made || err != nil {
		t.Fatalf("Restore: %v, %v; want the socket made again", made, err)
	}
	if mode, gid := statDir(t, filepath.Dir(path)); mode.Perm() != 0o750 || gid != control {
		t.Fatalf("directory after Restore: %v, group %d; want 0750, group %d", mode, gid, control)
	}
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, gid := statDir(t, path); gid != control || fi.Mode().Perm() != 0o660 {
		t.Fatalf("socket after Restore: %v, group %d; want 0660, group %d", fi.Mode(), gid, control)
	}

	// Made again with a file of someone else's in it: not superd's to
	// give to the group. The socket is made all the same (root and
	// superd's user can use it), and Restore says why the group cannot.
	if err := os.RemoveAll(filepath.Dir(path)); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(filepath.Dir(path), "other"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	made, err := ln.Restore()
	if !made || err == nil || !strings.Contains(err.Error(), "the control group cannot reach it") {
		t.Fatalf("Restore in a directory not superd's: %v, %v; want the socket made, and why the group cannot reach it", made, err)
	}
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatalf("the socket made again: %v", err)
	}
	c.Close()
	if mode, gid := statDir(t, filepath.Dir(path)); mode.Perm() != 0o700 || gid == control {
		t.Fatalf("a directory not superd's was changed: %v, group %d", mode, gid)
	}
}
