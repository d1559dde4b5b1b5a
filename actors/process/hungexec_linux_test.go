//go:build linux

package process

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// hungDirEnv names, for the "hungexec" helper, a directory where every
// access blocks.
const hungDirEnv = "SUPERS_PROCESS_TEST_HUNG_DIR"

// hungMount mounts a FUSE file system whose server never answers, so that
// any access below the returned directory blocks in the kernel, as on a
// hung network file system. The test is skipped where FUSE cannot be
// mounted (not root, no /dev/fuse). The blocked accesses fail (ENOTCONN)
// and the file system is unmounted at the end of the test.
func hungMount(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	dev, err := os.OpenFile("/dev/fuse", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no FUSE: %v", err)
	}
	dir := t.TempDir()
	opts := "fd=" + strconv.Itoa(int(dev.Fd())) + ",rootmode=40000,user_id=0,group_id=0"
	if err := unix.Mount("hung", dir, "fuse", unix.MS_NOSUID|unix.MS_NODEV, opts); err != nil {
		dev.Close()
		t.Skipf("cannot mount FUSE: %v", err)
	}
	t.Cleanup(func() {
		// A forced unmount aborts the connection (and unmounts if
		// nothing is busy); a lazy one detaches what is left.
		_ = unix.Unmount(dir, unix.MNT_FORCE)
		if err := unix.Unmount(dir, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) {
			t.Errorf("unmount %s: %v", dir, err)
		}
		dev.Close()
	})
	return dir
}

// hungExecHelper starts a child, then a program in the directory
// hungDirEnv names and one with that directory as its working directory,
// whose starts must fail for want of an answer; meanwhile it runs a
// garbage collection, kills the child and waits for its exit. It prints
// "HUNGEXEC OK".
func hungExecHelper() int {
	fail := func(format string, args ...any) int {
		fmt.Printf("FAIL: "+format+"\n", args...)
		return 1
	}
	m, err := NewManager(Options{})
	if err != nil {
		return fail("NewManager: %v", err)
	}
	exited := make(chan Exit, 1)
	h, err := m.Start(Spec{Argv: []string{"sleep", "60"}}, func(e Exit) { exited <- e })
	if err != nil {
		return fail("Start: %v", err)
	}
	hung := os.Getenv(hungDirEnv)
	specs := []Spec{
		{Argv: []string{filepath.Join(hung, "prog")}},                              // the program there
		{Argv: []string{"/bin/true"}, Dir: hung},                                   // the working directory
		{Argv: []string{"true"}, Env: []string{"PATH=" + hung + ":/bin:/usr/bin"}}, // PATH
	}
	errs := make(chan error, len(specs))
	for _, spec := range specs {
		go func() {
			_, err := m.Start(spec, func(e Exit) { fmt.Printf("FAIL: exit %v of a start that failed\n", e) })
			errs <- err
		}()
	}
	// The starts block, in a child forked for them or in a thread of
	// this process before.
	for end := time.Now().Add(deadline); !blockedInKernel(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(end) {
			return fail("no start blocked")
		}
	}
	runtime.GC() // stops the world: every goroutine's thread must yield
	if err := SignalGroup(h.PGID, "SIGKILL"); err != nil {
		return fail("kill: %v", err)
	}
	select {
	case e := <-exited:
		if e.Signal != "SIGKILL" {
			return fail("exit %v, want signal SIGKILL", e)
		}
	case <-time.After(deadline):
		return fail("no exit reported")
	}
	for range specs {
		select {
		case err := <-errs:
			var ee *ExecError
			if !errors.As(err, &ee) || !errors.Is(err, ErrNoAnswer) {
				return fail("start: %v, want an ExecError wrapping ErrNoAnswer", err)
			}
			if _, short := ResourceShortage(err); !short {
				return fail("start: %v, not a shortage: the service would be blamed", err)
			}
		case <-time.After(deadline):
			return fail("a start still blocked after %v", deadline)
		}
	}
	// Tried again while the first look is still blocked: no new wait.
	t0 := time.Now()
	if _, err := m.Start(specs[0], nil); !errors.Is(err, ErrNoAnswer) || time.Since(t0) > probeWait/2 {
		return fail("start again: %v after %v, want ErrNoAnswer at once", err, time.Since(t0))
	}
	fmt.Println("HUNGEXEC OK")
	return 0
}

// blockedInKernel reports whether a thread of this process, or a child of
// it, waits in the kernel uninterruptibly (state D).
func blockedInKernel() bool {
	self := os.Getpid()
	for _, kid := range childrenOf(self) {
		if strings.HasSuffix(kid, ":D") {
			return true
		}
	}
	tasks, _ := os.ReadDir("/proc/self/task")
	for _, task := range tasks {
		b, err := os.ReadFile("/proc/self/task/" + task.Name() + "/stat")
		if i := strings.LastIndexByte(string(b), ')'); err == nil && i >= 0 && strings.HasPrefix(string(b[i+1:]), " D") {
			return true
		}
	}
	return false
}

// A start whose program is on a hung file system (a network mount whose
// server is gone) blocked in Go's fork: the spawner's thread waits in
// clone(CLONE_VFORK) for the child's exec, in a raw system call that
// keeps its scheduler slot (golang/go#11155), so the next garbage
// collection, which must stop every goroutine, waited for ever, and
// superd stopped supervising anything. The files of a start are looked
// at before the fork, in a goroutine a hung file system may block, and
// the start fails if that takes too long.
func TestProgramOnHungFileSystem(t *testing.T) {
	dir := hungMount(t)
	cmd := runHelper(t, "hungexec")
	cmd.Env = append(cmd.Env, hungDirEnv+"="+dir)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	// The helper's children outlive it (its spawner thread ends, and
	// Pdeathsig kills them, a blocked one as soon as it can be), and this
	// process, their subreaper, adopts them: reap them all.
	t.Cleanup(func() {
		waitFor(t, "the helper's children to be reaped", func() bool {
			kids := childrenOf(os.Getpid())
			for _, kid := range kids {
				pid, _ := strconv.Atoi(strings.Split(kid, ":")[0])
				killOrphan(t, pid)
			}
			return len(kids) == 0
		})
	})
	select {
	case err := <-done:
		if err != nil || !strings.Contains(out.String(), "HUNGEXEC OK") {
			t.Fatalf("helper: %v\n%s", err, out.String())
		}
	case <-time.After(deadline + probeWait):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("helper frozen after %v\n%s", deadline, out.String())
	}
}
