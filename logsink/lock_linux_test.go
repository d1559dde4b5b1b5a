package logsink

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// holdLock has the test binary at bin lock dir as uid, and returns its
// PID; the lock is released at the end of the test.
func holdLock(t *testing.T, bin, dir string, uid uint32) int {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Env = []string{childEnv + "=" + childLockMode, sinkDirEnv + "=" + dir, "GORACE=atexit_sleep_ms=0"}
	if uid != 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: uid}}
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = stdin.Close()
		_ = cmd.Wait()
	})
	if line, _ := bufio.NewReader(stdout).ReadString('\n'); line != "locked\n" {
		t.Fatalf("lock helper as uid %d said %q", uid, line)
	}
	return cmd.Process.Pid
}

// Two supervisors given one log dir, each with a service of the same name,
// wrote one file: the second Open on a service's directory fails while the
// first Sink is open, naming the process that holds it (here this one,
// after waiting for a fork's copy of the descriptor to go), and succeeds
// once that Sink is closed.
func TestOpenRefusesADirAnotherSinkWrites(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "web")
	first, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	second, err := Open(Options{Dir: dir})
	if err == nil {
		_ = second.Close()
		_ = first.Close()
		t.Fatal("a second Sink opened the directory the first writes")
	}
	want := fmt.Sprintf("log directory %s: in use by another supervisor", dir)
	if !errors.Is(err, ErrDirInUse) || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), fmt.Sprintf("pid %d holds its lock", os.Getpid())) {
		t.Errorf("second Open: %v, want ErrDirInUse naming %s and pid %d", err, dir, os.Getpid())
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	second, err = Open(Options{Dir: dir})
	if err != nil {
		t.Fatalf("Open once the first Sink is closed: %v", err)
	}
	if err := second.Close(); err != nil {
		t.Fatal(err)
	}
}

// The lock of a service's log directory held by another process of root's
// (another superd) refuses the Sink; one held by a process of another user,
// which cannot supervise the directory but may read it, does not keep the
// service's output from being logged.
func TestOpenLockHeldByAnotherProcess(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to lock the directory as another user")
	}
	const nobody = 65534
	base, err := os.MkdirTemp("", "logsink-lock-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(base) })
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	exe, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(base, "logsink.test") // the test binary's own directory is root's alone
	if err := os.WriteFile(bin, exe, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		uid     uint32
		refused bool
	}{{"root", 0, true}, {"nobody", nobody, false}} {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(base, "logs-"+c.name, "web")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			holder := holdLock(t, bin, dir, c.uid)
			s, err := Open(Options{Dir: dir})
			if s != nil {
				defer s.Close()
			}
			switch {
			case c.refused && (!errors.Is(err, ErrDirInUse) || !strings.Contains(err.Error(), fmt.Sprintf("pid %d holds its lock", holder))):
				t.Errorf("Open of a dir pid %d (uid %d) locked: %v, want ErrDirInUse naming it", holder, c.uid, err)
			case !c.refused && err != nil:
				t.Errorf("Open of a dir uid %d locked: %v, want that lock ignored", c.uid, err)
			}
		})
	}
}

// A preparation that ends after OpenWait (a slow disk, the preparers
// busy, the wait for this process's own lock) only reported the refusal of
// the lock: the writers ran unlocked, into the files the other Sink
// writes. They try the lock before they open their file, and drop the
// output meanwhile.
func TestLateRefusalOfTheLockKeepsTheSinkFromWriting(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "web")
	first := openSink(t, Options{Dir: dir})
	rec := &errorLog{}
	second, err := Open(Options{Dir: dir, OpenWait: time.Millisecond, OnError: rec.onError})
	if err != nil {
		t.Skipf("refused within OpenWait: %v", err) // the late path not reached
	}
	<-second.Ready()
	out, errw, err := second.Pipes()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := out.WriteString("from the second supervisor\n"); err != nil {
		t.Fatal(err)
	}
	_ = out.Close()
	_ = errw.Close()
	_ = second.Close()
	if !rec.has(Stdout, func(err error) bool { return errors.Is(err, ErrDirInUse) }) {
		t.Error("the refused lock was not reported")
	}
	_ = first.Close()
	if b, _ := os.ReadFile(filepath.Join(dir, "stdout.log")); strings.Contains(string(b), "second") {
		t.Errorf("the Sink refused the lock wrote into the other's file: %q", b)
	}
}

// The lock is on the directory the Sink prepared: once it was removed (by
// hand, by a cleanup job), the next write made it again unlocked, and a
// second supervisor's Sink locked it and wrote the same file.
func TestLockFollowsTheDirectoryMadeAgain(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "web")
	first := openSink(t, Options{Dir: dir})
	out, _ := pipes(t, first)
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := out.WriteString("first\n"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first Sink's line in the directory made again", func() bool {
		b, _ := os.ReadFile(filepath.Join(dir, "stdout.log"))
		return strings.Contains(string(b), "first")
	})
	second, err := Open(Options{Dir: dir})
	if err == nil {
		_ = second.Close()
		t.Fatal("a second Sink opened the directory made again while the first writes it")
	}
	if !errors.Is(err, ErrDirInUse) {
		t.Errorf("second Open: %v, want ErrDirInUse", err)
	}
}
