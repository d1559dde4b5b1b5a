//go:build linux

package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A member of the socket group used to be as good as root: its `supers
// apply` of a file without User= ran that service as root (and so could
// read /etc/shadow, or anything), and one with User=nobody and Group=shadow
// (or disk, or docker) ran in that group. A socket user other than root
// and superd's own may now only write definitions that run as itself,
// unless superd runs with --socket-allow-root-services; root still may.
func TestSocketGroupMayNotWriteRootServices(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("needs root to give the socket to another group and run supers as another user")
	}
	const control = 4243
	d := newDaemon(t, nil)
	d.extraArgs = []string{"--socket-group", "4243"}
	supers := supersForOthers(t, d)
	// The files it sends, where nobody can read them.
	defs := filepath.Join(filepath.Dir(d.dir), "defs")
	if err := os.Mkdir(defs, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{
		"asroot.service":   "[Service]\nExecStart=/bin/sleep 600\n",
		"asnobody.service": "[Service]\nExecStart=/bin/sleep 600\nUser=nobody\n",
		"ingroup0.service": "[Service]\nExecStart=/bin/sleep 600\nUser=nobody\nGroup=0\n",
		"inshadow.service": "[Service]\nExecStart=/bin/sleep 600\nUser=nobody\nGroup=4244\n",
		"asdaemon.service": "[Service]\nExecStart=/bin/sleep 600\nUser=daemon\n",
		"root2.service":    "[Service]\nExecStart=/bin/sleep 600\n",
	} {
		if err := os.WriteFile(filepath.Join(defs, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// asMember runs supers as nobody, a member of the socket group.
	asMember := func(args ...string) (string, int) {
		t.Helper()
		cmd := exec.CommandContext(t.Context(), supers, args...)
		cmd.Env = append(os.Environ(), "SUPERS_SOCKET="+d.socket, "GORACE=atexit_sleep_ms=0")
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534, Groups: []uint32{control}}}
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		var exit *exec.ExitError
		switch {
		case err == nil:
			return out.String(), 0
		case errors.As(err, &exit):
			return out.String(), exit.ExitCode()
		default:
			t.Fatalf("supers %v: %v", args, err)
			return "", -1
		}
	}

	d.start()
	for file, why := range map[string]string{
		"asroot.service":   "not as uid 65534 (set User=)",
		"ingroup0.service": "would run in Group=0, not one of User=nobody's groups",
		"inshadow.service": "would run in Group=4244, not one of User=nobody's groups",
		"asdaemon.service": "would run as User=daemon",
	} {
		out, code := asMember("apply", filepath.Join(defs, file))
		if code == 0 || !strings.Contains(out, why) || !strings.Contains(out, "--socket-allow-root-services") {
			t.Fatalf("apply of %s by a socket group member: exit %d\n%s\nwant it refused, saying %q and what allows it", file, code, out, why)
		}
		if _, err := os.Stat(filepath.Join(d.dir, file)); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("the refused definition %s was written: %v", file, err)
		}
	}
	if out, code := asMember("apply", filepath.Join(defs, "asnobody.service")); code != 0 {
		t.Fatalf("apply of a service that runs as nobody, by a member: exit %d\n%s", code, out)
	}
	d.waitRunning("asnobody")
	// Root may.
	if _, stderr, code := d.cli("apply", filepath.Join(defs, "asroot.service")); code != 0 {
		t.Fatalf("apply of a root service by root: exit %d\n%s", code, stderr)
	}
	d.waitRunning("asroot")
	// A member may neither remove root's service nor put its own program
	// in its place, but may remove its own.
	if out, code := asMember("rm", "asroot"); code == 0 || !strings.Contains(out, "cannot remove asroot") {
		t.Fatalf("rm of root's service by a member: exit %d\n%s\nwant it refused", code, out)
	}
	mine := filepath.Join(filepath.Dir(d.dir), "mine")
	if err := os.Mkdir(mine, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(mine, "asroot.service"), []byte("[Service]\nExecStart=/bin/sleep 600\nUser=nobody\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, code := asMember("apply", filepath.Join(mine, "asroot.service")); code == 0 || !strings.Contains(out, "cannot replace asroot") {
		t.Fatalf("apply over root's service by a member: exit %d\n%s\nwant it refused", code, out)
	}
	if b, err := os.ReadFile(filepath.Join(d.dir, "asroot.service")); err != nil || strings.Contains(string(b), "User=") {
		t.Fatalf("root's definition after the refused apply: %q, %v", b, err)
	}
	if out, code := asMember("rm", "asnobody"); code != 0 {
		t.Fatalf("rm of its own service by a member: exit %d\n%s", code, out)
	}
	// Nor once root removed its file by hand (no reload yet): the service
	// still runs as root, judged by the definition it runs with. Its
	// file gone, a member's apply replaced it and rm removed it.
	rootPID := d.waitRunning("asroot").PID
	if err := os.Remove(filepath.Join(d.dir, "asroot.service")); err != nil {
		t.Fatal(err)
	}
	if out, code := asMember("apply", filepath.Join(mine, "asroot.service")); code == 0 || !strings.Contains(out, "cannot replace asroot: the definition it runs with") {
		t.Fatalf("apply over root's service whose file is gone, by a member: exit %d\n%s\nwant it refused", code, out)
	}
	if out, code := asMember("rm", "asroot"); code == 0 || !strings.Contains(out, "cannot remove asroot: the definition it runs with") {
		t.Fatalf("rm of root's service whose file is gone, by a member: exit %d\n%s\nwant it refused", code, out)
	}
	if st := d.status("asroot"); st.State != "running" || st.PID != rootPID {
		t.Fatalf("root's service after the refused writes: %+v", st)
	}
	if err := d.terminate(); err != nil {
		t.Fatalf("first superd: %v", err)
	}

	// With --socket-allow-root-services, the group's members may too.
	d2 := &daemon{t: t, dir: d.dir, logDir: d.logDir, socket: d.socket, client: d.client, seenPIDs: map[int]bool{},
		extraArgs: []string{"--socket-group", "4243", "--socket-allow-root-services"}}
	d2.start()
	if out, code := asMember("apply", filepath.Join(defs, "root2.service")); code != 0 {
		t.Fatalf("apply of a root service by a member, with --socket-allow-root-services: exit %d\n%s", code, out)
	}
	d2.waitRunning("root2")
}

// --socket-allow-root-services without a socket group applies to nobody:
// superd --check says so, as it does of the HTTP flags without --http.
func TestSocketAllowRootServicesNeedsAGroup(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, nil)
	cmd := exec.CommandContext(t.Context(), filepath.Join(binDir, "superd"), "--check", "--config-dir", d.dir,
		"--socket", d.socket, "--socket-allow-root-services")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "--socket-allow-root-services: no socket group to apply it to") {
		t.Fatalf("superd --check --socket-allow-root-services without a group: %v\n%s", err, out)
	}
}
