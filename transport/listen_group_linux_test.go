package transport

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// statDir returns the mode and group of path.
func statDir(t *testing.T, path string) (fs.FileMode, int) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode(), int(fi.Sys().(*syscall.Stat_t).Gid)
}

// runPeerAs runs TestPeerHelperProcess (the test binary copied to bin)
// against the socket at path as nobody with the given supplementary
// groups, and returns what it said: "ok" or the error.
func runPeerAs(t *testing.T, bin, path string, groups ...uint32) string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), bin, "-test.run=^TestPeerHelperProcess$")
	cmd.Env = append(os.Environ(), peerHelperEnv+"="+path, "GORACE=atexit_sleep_ms=0")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534, Groups: groups}}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("peer: %v (said %q)", err, out)
	}
	return strings.TrimSpace(string(out))
}

// TestListenUnixGroupExistingDir: the control group takes effect when the
// socket's directory already exists. A first superd without a group
// creates it 0750 with its own group; once restarted with a control
// group, members of the group must get through it, as they do when
// superd creates it; one of superd's own that the group may already
// search is left as it is. A shared directory (the socket put directly in
// it, like /run) is never changed, and one the group cannot go through is
// refused with a message naming it, its mode and group, and the remedy.
func TestListenUnixGroupExistingDir(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give files to another group and run peers as another user")
	}
	const control, other = 4242, 4243
	base := shortTempDir(t)
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(base, "transport.test")
	copyFile(t, os.Args[0], bin, 0o755)

	serveGroup := func(path string, gid int) {
		t.Helper()
		ln, err := ListenUnixGroup(path, gid)
		if err != nil {
			t.Fatal(err)
		}
		serveWith(t, NewUnixServer(NewHandler(newFakeBackend(), HandlerOptions{}), DefaultSocketAccess(gid), slogTo(&syncBuffer{})), ln)
	}

	t.Run("created by a run without group", func(t *testing.T) {
		path := filepath.Join(base, "first", "superd.sock")
		ln, err := ListenUnix(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := ln.Close(); err != nil {
			t.Fatal(err)
		}
		serveGroup(path, control)
		if mode, gid := statDir(t, filepath.Dir(path)); mode != fs.ModeDir|0o750 || gid != control {
			t.Errorf("socket dir: mode %v group %d, want %v group %d", mode, gid, fs.ModeDir|0o750, control)
		}
		if got := runPeerAs(t, bin, path, control); got != "ok" {
			t.Errorf("peer in the control group: %s", got)
		}
	})

	t.Run("given to another group", func(t *testing.T) {
		dir := filepath.Join(base, "switched")
		if err := os.Mkdir(dir, 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(dir, -1, other); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "superd.sock")
		serveGroup(path, control)
		if mode, gid := statDir(t, dir); mode != fs.ModeDir|0o750 || gid != control {
			t.Errorf("socket dir: mode %v group %d, want %v group %d", mode, gid, fs.ModeDir|0o750, control)
		}
		if got := runPeerAs(t, bin, path, control); got != "ok" {
			t.Errorf("peer in the control group: %s", got)
		}
	})

	t.Run("own directory the group may search", func(t *testing.T) {
		// superd's own (only its socket's files), 0755 made by hand: the
		// group gets through it as it is, so it is left as it is, its
		// group and mode unchanged.
		dir := filepath.Join(base, "open")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "superd.sock")
		serveGroup(path, control)
		if mode, gid := statDir(t, dir); mode != fs.ModeDir|0o755 || gid != 0 {
			t.Errorf("own dir the group may search changed: mode %v group %d", mode, gid)
		}
		if got := runPeerAs(t, bin, path, control); got != "ok" {
			t.Errorf("peer in the control group: %s", got)
		}
	})

	t.Run("shared directory others may search", func(t *testing.T) {
		// Like /run: 0755, holding other things. It lets the group
		// through as it is, and must not be changed.
		dir := filepath.Join(base, "shared")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "other.pid"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "superd.sock")
		serveGroup(path, control)
		if mode, gid := statDir(t, dir); mode != fs.ModeDir|0o755 || gid != 0 {
			t.Errorf("shared dir changed: mode %v group %d", mode, gid)
		}
		if got := runPeerAs(t, bin, path, control); got != "ok" {
			t.Errorf("peer in the control group: %s", got)
		}
	})

	t.Run("shared directory the group cannot search", func(t *testing.T) {
		// Like /root: 0700, holding other things. Not superd's to
		// change, and the group could not reach the socket: refused.
		dir := filepath.Join(base, "private")
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, ".profile"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "superd.sock")
		ln, err := ListenUnixGroup(path, control)
		if err == nil {
			ln.Close()
			t.Fatal("ListenUnixGroup succeeded in a directory the group cannot search")
		}
		for _, want := range []string{dir, "0700", "group 0", strconv.Itoa(control), "chmod"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q lacks %q", err, want)
			}
		}
		if mode, gid := statDir(t, dir); mode != fs.ModeDir|0o700 || gid != 0 {
			t.Errorf("private dir changed: mode %v group %d", mode, gid)
		}
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if e.Name() != ".profile" {
				t.Errorf("ListenUnixGroup left %s behind", e.Name())
			}
		}
	})
}
