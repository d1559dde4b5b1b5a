//go:build linux

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Any user who may read the config dir (/etc/super is 0755) could hold its
// flock, and superd then refused to start: "superd failed: config dir
// /etc/super: in use by another supervisor: its services would run twice
// (pid N holds its lock)", its services down for as long as that user
// liked. A lock held by a process of another user than root and superd's
// own is ignored, with a warning, and a reload still works.
func TestConfigDirLockedByAnotherUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to lock the config dir as another user")
	}
	flock, err := exec.LookPath("flock")
	if err != nil {
		t.Skip("no flock(1) to lock the directory with")
	}
	d := newDaemon(t, map[string]string{"web.service": "[Service]\nExecStart=/bin/sleep 300\n"})
	if err := os.Chmod(filepath.Dir(d.dir), 0o755); err != nil { // the other user must get to the dir
		t.Fatal(err)
	}
	// flock -o: the lock is held by flock(1) itself, as uid 65534, while
	// its command runs; its process group is killed at the end.
	holder := exec.Command(flock, "-n", "-o", d.dir, "sleep", "300")
	holder.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: &syscall.Credential{Uid: nobodyUID, Gid: nobodyUID}}
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-holder.Process.Pid, syscall.SIGKILL)
		_ = holder.Wait()
	})
	f, err := os.Open(d.dir)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	waitFor(t, 10*time.Second, "uid 65534 holds the config dir's lock", func() bool {
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err == nil {
			_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
			return false
		}
		return true
	})

	d.start()
	d.waitRunning("web")
	if log := d.stderr.String(); !strings.Contains(log, "config dir locked by a process of another user") || !strings.Contains(log, "uid 65534") {
		t.Errorf("superd's log says nothing of the ignored lock of uid 65534:\n%s", log)
	}
	d.writeFile("api.service", "[Service]\nExecStart=/bin/sleep 300\n")
	if _, errs, code := d.cli("reload"); code != 0 {
		t.Fatalf("supers reload with the config dir locked by uid 65534: exit %d: %s", code, errs)
	}
	d.waitRunning("api")
}
