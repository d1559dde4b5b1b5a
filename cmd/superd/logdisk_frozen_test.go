//go:build linux

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/supers-dev/supers/transport"
)

// mountLoopExt4 mounts a new ext4 file system, on a loop device backed by a
// file of the test's, on dir for the rest of the test, and returns a
// function that freezes it (fsfreeze) and one that thaws it, which the
// test must call before anything waits for superd to exit: a thread in a
// write to a frozen file system cannot be killed, so superd cannot exit
// before the thaw. It skips the test when not root or a tool is missing.
func mountLoopExt4(t *testing.T, dir string) (freeze, thaw func()) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root (loop device, mount, fsfreeze)")
	}
	for _, tool := range []string{"losetup", "mkfs.ext4", "mount", "umount", "fsfreeze"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s: %v", tool, err)
		}
	}
	run := func(name string, args ...string) (string, error) {
		out, err := exec.Command(name, args...).CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	img := filepath.Join(t.TempDir(), "disk.img")
	if err := os.WriteFile(img, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(img, 64<<20); err != nil {
		t.Fatal(err)
	}
	if out, err := run("mkfs.ext4", "-q", img); err != nil {
		t.Skipf("mkfs.ext4: %v: %s", err, out)
	}
	dev, err := run("losetup", "-f", "--show", img)
	if err != nil {
		t.Skipf("losetup: %v: %s", err, dev)
	}
	t.Cleanup(func() {
		if out, err := run("losetup", "-d", dev); err != nil {
			t.Errorf("losetup -d %s: %v: %s", dev, err, out)
		}
	})
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := run("mount", dev, dir); err != nil {
		t.Skipf("mount %s: %v: %s", dev, err, out)
	}
	t.Cleanup(func() {
		if out, err := run("umount", dir); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	frozen := false
	freeze = func() {
		mu.Lock()
		defer mu.Unlock()
		if out, err := run("fsfreeze", "--freeze", dir); err != nil {
			t.Fatalf("fsfreeze --freeze: %v: %s", err, out)
		}
		frozen = true
	}
	thaw = func() {
		mu.Lock()
		defer mu.Unlock()
		if frozen {
			if out, err := run("fsfreeze", "--unfreeze", dir); err != nil {
				t.Errorf("fsfreeze --unfreeze: %v: %s", err, out)
			}
			frozen = false
		}
	}
	t.Cleanup(thaw)
	return freeze, thaw
}

// A frozen (hung) log disk holds up the logs written to it, nothing else:
// a reload adds and replaces services, commands are answered, SIGTERM stops
// every service and superd ends its work in bounded time, and a new superd
// starts and runs its services, all while the disk stays frozen. The log
// sink actor used to open and close every service's logs in its mailbox:
// one service's mkdir or write stuck on the disk held up the creation of
// every other service (a changed service stayed down until the thaw, and
// superd started on a frozen disk never answered, not even SIGTERM).
func TestFrozenLogDiskBlocksOnlyItsLogs(t *testing.T) {
	const loop = "[Service]\nExecStart=/bin/sh -c 'while :; do echo %s; sleep 0.05; done'\n"
	svc := func(word string) string { return strings.Replace(loop, "%s", word, 1) }
	d := newDaemon(t, map[string]string{"a.service": svc("a"), "b.service": svc("b")})
	freeze, thaw := mountLoopExt4(t, d.logDir)
	d.start()
	t.Cleanup(thaw) // before d's cleanup, which waits for superd to exit
	oldA := d.waitRunning("a")
	d.waitRunning("b")
	waitFor(t, 10*time.Second, "a's output written", func() bool {
		b, _ := os.ReadFile(filepath.Join(d.logDir, "a", "stdout.log"))
		return len(b) > 0
	})

	freeze()
	// Changed: the old Sink's close hangs behind its write. New: its log
	// dir cannot be created.
	d.writeFile("a.service", svc("A"))
	d.writeFile("new.service", svc("new"))
	start := time.Now()
	if _, stderr, code := d.cli("reload"); code != 0 {
		t.Fatalf("supers reload: exit %d: %s", code, stderr)
	}
	d.waitRunning("new")
	t.Logf("new running %s after the reload", time.Since(start).Round(time.Millisecond))
	waitFor(t, 10*time.Second, "a replaced", func() bool {
		st := d.waitRunning("a")
		return st.PID != oldA.PID
	})
	for _, args := range [][]string{{"stop", "b"}, {"start", "b"}, {"restart", "new"}, {"status"}} {
		cmdStart := time.Now()
		if _, stderr, code := d.cli(args...); code != 0 {
			t.Fatalf("supers %s: exit %d: %s", strings.Join(args, " "), code, stderr)
		}
		t.Logf("supers %s took %s", strings.Join(args, " "), time.Since(cmdStart).Round(time.Millisecond))
	}
	d.waitRunning("b")
	pids := map[string]int{}
	for _, name := range []string{"a", "b", "new"} {
		pids[name] = d.waitRunning(name).PID
	}
	t.Logf("reload and commands done %s after the freeze", time.Since(start).Round(time.Millisecond))

	// superd's shutdown ends in bounded time; the process itself cannot
	// exit before the thaw, with a thread stuck in a write.
	start = time.Now()
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "superd stopped while the log disk is frozen", func() bool {
		return strings.Contains(d.stderr.String(), "superd stopped")
	})
	for name, pid := range pids {
		if alive(pid) {
			t.Errorf("service %s (pid %d) still runs after superd stopped", name, pid)
		}
	}
	t.Logf("shutdown took %s", time.Since(start).Round(time.Millisecond))

	// A new superd starts on the frozen disk, a service whose log dir
	// does not exist yet included.
	d.writeFile("newer.service", svc("newer"))
	d2 := &daemon{t: t, dir: d.dir, logDir: d.logDir, socket: d.socket, seenPIDs: map[int]bool{}, client: transport.NewClient(d.socket)}
	d2.start()
	t.Cleanup(thaw) // before d2's cleanup
	for _, name := range []string{"a", "b", "new", "newer"} {
		d2.waitRunning(name)
	}
	// new's and newer's first lines are in their pipes, waiting for the
	// thaw: their shells have written them (a loaded machine may take
	// longer than the second superd's life to get there). What new wrote
	// under the first superd, which could not create its log dir, may
	// have been lost with that superd's shutdown, as its log says.
	for _, name := range []string{"new", "newer"} {
		pid := d2.waitRunning(name).PID
		waitFor(t, 20*time.Second, name+"'s first line written to its pipe", func() bool {
			return wroteBytes(pid) > 0
		})
	}

	thaw()
	if err := d2.terminate(); err != nil {
		t.Errorf("second superd: %v", err)
	}
	select {
	case <-d.exited:
	case <-time.After(30 * time.Second):
		t.Fatal("the first superd did not exit after the thaw")
	}
	for _, name := range []string{"a", "new", "newer"} {
		path := filepath.Join(d.logDir, name, "stdout.log")
		b, err := os.ReadFile(path)
		if err != nil || len(b) == 0 {
			t.Errorf("%s: %v, %d bytes: output not written after the thaw", path, err, len(b))
		}
	}
}

// wroteBytes returns the bytes process pid has written (wchar of
// /proc/PID/io), or 0 if it cannot tell.
func wroteBytes(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/io")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "wchar: "); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}
