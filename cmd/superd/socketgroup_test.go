//go:build linux

package main

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestSocketGroupExistingDir: the scenario of an admin adding
// --socket-group to a superd that already ran without one. The first run
// creates the socket's directory 0750 with root's group; after the
// restart with the group, its members must reach the socket, which needs
// the directory to be theirs too.
func TestSocketGroupExistingDir(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("needs root to give the socket to another group and run supers as another user")
	}
	const control = "4242"
	d := newDaemon(t, map[string]string{"web.service": "[Service]\nExecStart=/bin/sleep 600\n"})
	supers := supersForOthers(t, d)

	d.start()
	d.waitRunning("web")
	if err := d.terminate(); err != nil {
		t.Fatalf("first superd: %v", err)
	}
	d2 := &daemon{t: t, dir: d.dir, logDir: d.logDir, socket: d.socket, client: d.client, seenPIDs: map[int]bool{},
		extraArgs: []string{"--socket-group", control}}
	d2.start()
	d2.waitRunning("web")

	dir := filepath.Dir(d.socket)
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if gid := fi.Sys().(*syscall.Stat_t).Gid; fi.Mode() != fs.ModeDir|0o750 || gid != 4242 {
		t.Errorf("socket dir %s: mode %v group %d, want %v group %s", dir, fi.Mode(), gid, fs.ModeDir|0o750, control)
	}

	cmd := exec.CommandContext(t.Context(), supers, "status", "web")
	cmd.Env = append(os.Environ(), "SUPERS_SOCKET="+d.socket, "GORACE=atexit_sleep_ms=0")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534, Groups: []uint32{4242}}}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil || !strings.Contains(out.String(), "running") {
		t.Errorf("supers status as a member of the control group: %v\n%s", err, out.String())
	}
}

// supersForOthers makes d's base dir searchable by every user (as /run
// is), so that another user can get to the socket, and puts a copy of
// supers there for them; it returns the copy's path.
func supersForOthers(t *testing.T, d *daemon) string {
	t.Helper()
	base := filepath.Dir(d.dir)
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	supers := filepath.Join(base, "supers")
	b, err := os.ReadFile(filepath.Join(binDir, "supers"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(supers, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return supers
}
