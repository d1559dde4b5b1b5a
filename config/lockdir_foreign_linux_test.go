package config

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/supers-dev/supers/config/flock"
)

// Environment of TestForeignLockHelper, run as another user by
// TestLockDirHeldByAnotherUser.
const (
	foreignLockDirEnv  = "SUPERS_TEST_FOREIGN_LOCK_DIR"
	foreignLockModeEnv = "SUPERS_TEST_FOREIGN_LOCK_MODE" // "hold", or "handoff": a child holds it, the taker exits
)

// TestForeignLockHelper is not a test: run with foreignLockDirEnv, it
// locks that directory as any user who may read it can, says "locked PID"
// (PID: the process that holds the lock from then on), then waits for its
// stdin to close.
func TestForeignLockHelper(t *testing.T) {
	dir := os.Getenv(foreignLockDirEnv)
	if dir == "" {
		t.Skip("helper process only")
	}
	f, err := os.Open(dir)
	if err == nil {
		err = flock.TryLock(f)
	}
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	if os.Getenv(foreignLockModeEnv) == "handoff" {
		// A child of its own holds the open directory (and so the lock),
		// and the process that took it exits: /proc/locks goes on naming
		// a PID that is gone.
		cmd := exec.Command("sleep", "600")
		cmd.ExtraFiles = []*os.File{f}
		cmd.Stdin = os.Stdin
		if err := cmd.Start(); err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		fmt.Println("locked", cmd.Process.Pid)
		os.Exit(0)
	}
	fmt.Println("locked", os.Getpid())
	_, _ = io.Copy(io.Discard, os.Stdin)
	os.Exit(0)
}

// Any user who may read a config dir (/etc/super is 0755) could open it and
// hold its flock: superd then refused to start ("config dir /etc/super: in
// use by another supervisor: its services would run twice (pid N holds its
// lock)"), and after the directory was replaced, refused every reload and
// definition request, for as long as that user liked. A process of a user
// other than root and the caller's own cannot be a supervisor of the dir
// (it would not run its root services): its lock is ignored, and reported
// by Foreign; so is one whose taker is gone (a child it started holds it).
// The lock is taken as soon as it is released.
func TestLockDirHeldByAnotherUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to lock the directory as another user")
	}
	const nobody = 65534
	base, err := os.MkdirTemp("", "lockdir-foreign-")
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
	bin := filepath.Join(base, "config.test") // the test binary's own directory is root's alone
	if err := os.WriteFile(bin, exe, 0o755); err != nil {
		t.Fatal(err)
	}

	// Another process of root's holds it: a supervisor, refused as before.
	t.Run("root", func(t *testing.T) {
		dir := filepath.Join(base, "conf-root")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		holder, _ := lockAs(t, bin, dir, "hold", 0)
		l, err := LockDir(dir)
		if err == nil {
			l.Close()
		}
		if !errors.Is(err, ErrDirInUse) || !strings.Contains(err.Error(), fmt.Sprintf("pid %d holds its lock", holder)) {
			t.Errorf("LockDir of a dir another process of root's locked: %v, want ErrDirInUse naming pid %d", err, holder)
		}
	})

	for _, mode := range []string{"hold", "handoff"} {
		t.Run(mode, func(t *testing.T) {
			dir := filepath.Join(base, "conf-"+mode)
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			holder, release := lockAs(t, bin, dir, mode, nobody)

			l, err := LockDir(dir)
			if err != nil {
				t.Fatalf("LockDir of a dir uid %d locked (%s): %v, want it ignored", nobody, mode, err)
			}
			defer l.Close()
			ferr := l.Foreign()
			if ferr == nil || !strings.Contains(ferr.Error(), dir) {
				t.Fatalf("Foreign() = %v, want the ignored lock of %s", ferr, dir)
			}
			want := fmt.Sprintf("uid %d", nobody)
			if mode == "handoff" {
				want = "has exited"
			}
			if !strings.Contains(ferr.Error(), want) {
				t.Errorf("Foreign() = %q, want it to say %q", ferr, want)
			}
			if err := l.Refresh(); err != nil || l.Foreign() == nil {
				t.Errorf("Refresh while uid %d holds the lock: %v, Foreign %v; want nil and the lock still reported", nobody, err, l.Foreign())
			}

			// Released: the next Refresh takes it.
			release()
			deadline := time.Now().Add(10 * time.Second)
			for {
				if err := l.Refresh(); err != nil {
					t.Fatalf("Refresh once released: %v", err)
				}
				if l.Foreign() == nil {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the lock of pid %d was released, but Refresh still reports %v", holder, l.Foreign())
				}
				time.Sleep(10 * time.Millisecond)
			}
			f, err := os.Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if err := flock.TryLock(f); !errors.Is(err, flock.ErrLocked) {
				t.Errorf("after Refresh took the released lock, another open of the dir could lock it: %v", err)
			}
		})
	}
}

// lockAs has the test binary at bin lock dir as uid (mode: see
// foreignLockModeEnv), and returns the PID holding the lock and a func
// that releases it.
func lockAs(t *testing.T, bin, dir, mode string, uid uint32) (int, func()) {
	t.Helper()
	cmd := exec.Command(bin, "-test.run=^TestForeignLockHelper$")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), foreignLockDirEnv + "=" + dir, foreignLockModeEnv + "=" + mode, "GORACE=atexit_sleep_ms=0"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: uid}}
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
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	pid, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "locked ")))
	if !strings.HasPrefix(line, "locked ") || err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("helper as uid %d said %q", uid, line)
	}
	handoff := pid != cmd.Process.Pid
	if handoff {
		_ = cmd.Wait() // the taker is gone, not even a zombie
	}
	var released bool
	release := func() {
		if released {
			return
		}
		released = true
		if handoff {
			_ = syscall.Kill(pid, syscall.SIGKILL) // the child holding it
			return
		}
		_ = stdin.Close()
		_ = cmd.Wait()
	}
	t.Cleanup(release)
	return pid, release
}
