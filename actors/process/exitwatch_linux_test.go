//go:build linux

package process

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// pidfdsEnv tells the storm helper whether to use pidfd watchers.
const pidfdsEnv = "SUPERS_PROCESS_TEST_PIDFDS"

// stormHelper runs a subreaper Manager whose children exit all at once,
// each leaving an orphan that exits at the same moment, and checks that
// every child is reported exactly once with its own status while the
// orphans are reaped. It prints "STORM OK".
func stormHelper() int {
	const n = 60
	fail := func(format string, args ...any) int {
		fmt.Printf("FAIL: "+format+"\n", args...)
		return 1
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	m, err := newManagerWith(Options{Subreaper: true, Logger: log}, os.Getenv(pidfdsEnv) == "1")
	if err != nil {
		return fail("NewManager: %v", err)
	}
	defer m.Close()
	dir, err := os.MkdirTemp("", "storm")
	if err != nil {
		return fail("%v", err)
	}
	defer os.RemoveAll(dir)

	rec := newExitRecorder(n)
	want, err := exitStorm(m, dir, n, true, rec)
	if err != nil {
		return fail("%v", err)
	}
	select {
	case <-rec.all:
	case <-time.After(deadline):
		return fail("exit callbacks missing: %v", rec.check(want))
	}
	// Every orphan exits at once too; none may stay a zombie.
	end := time.Now().Add(deadline)
	for kids := childrenOf(os.Getpid()); len(kids) > 0; kids = childrenOf(os.Getpid()) {
		if time.Now().After(end) {
			return fail("children left behind (pid:state): %v", kids)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// After Close no late duplicate can slip by.
	if err := m.Close(); err != nil {
		return fail("Close: %v", err)
	}
	if err := rec.check(want); err != nil {
		return fail("%v", err)
	}
	fmt.Println("STORM OK")
	return 0
}

// In subreaper mode, registered children and orphans exiting at the same
// moment race between the wait4(-1) passes and, with pidfds, the exit
// watchers: each registered exit must still be reported once, exactly.
func TestSubreaperSimultaneousExits(t *testing.T) {
	forEachReapMode(t, func(t *testing.T, pidfds bool) {
		cmd := runHelper(t, "storm")
		cmd.Env = append(cmd.Env, pidfdsEnv+"="+map[bool]string{false: "0", true: "1"}[pidfds])
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil || !strings.Contains(string(out), "STORM OK") {
			t.Fatalf("helper: %v\nstdout:\n%s\nstderr:\n%s", err, out, stderr.String())
		}
		if !strings.Contains(stderr.String(), "reaped orphaned descendant") {
			t.Errorf("no orphan reaped in the helper's log:\n%s", stderr.String())
		}
	})
}

// Close stops the exit watcher of a child still running: it returns at
// once, and the child, killed by Pdeathsig when the spawner's thread exits,
// is never reported.
func TestCloseStopsExitWatchers(t *testing.T) {
	if !pidfdsWork() {
		t.Skip("no pidfds")
	}
	m, err := newManagerWith(Options{Logger: discardLogger()}, true)
	if err != nil {
		t.Fatal(err)
	}
	reported := make(chan Exit, 1)
	h, err := m.Start(Spec{Argv: []string{"/bin/sleep", "60"}}, func(e Exit) { reported <- e })
	if err != nil {
		m.Close()
		t.Fatal(err)
	}
	closed := make(chan error, 1)
	go func() { closed <- m.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Errorf("Close: %v", err)
		}
	case <-time.After(deadline):
		t.Fatal("Close hangs while a child runs")
	}
	// Our child: reap it here, whatever happens.
	var ws syscall.WaitStatus
	if _, err := syscall.Wait4(h.PID, &ws, 0, nil); err != nil {
		t.Fatalf("wait for the child: %v", err)
	}
	if !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Errorf("child status %v, want killed by SIGKILL (Pdeathsig)", ws)
	}
	select {
	case e := <-reported:
		t.Errorf("exit reported after Close: %v", e)
	default:
	}
}

// A child whose pidfd cannot be polled is handed over to the SIGCHLD
// passes, which the Manager then subscribes to.
func TestUnpollablePidfdFallsBackToSIGCHLD(t *testing.T) {
	m := newManagerMode(t, Options{}, true)
	// The child exits once the test closes its stdin.
	stdin, release := pipe(t)
	cmd := exec.Command("/bin/sh", "-c", "read x; exit 5")
	cmd.Stdin = stdin
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	_ = cmd.Process.Release() // the Manager reaps it
	p := &proc{done: make(chan struct{})}
	c := &child{pid: pid, onExit: p.onExit, pidfd: -1}
	// A regular file cannot be added to an epoll instance.
	fd, err := unix.Open(filepath.Join(t.TempDir(), "f"), unix.O_RDWR|unix.O_CREAT|unix.O_CLOEXEC, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	m.mu.Lock()
	m.procs[pid] = c
	watched := m.watch(c, fd)
	m.mu.Unlock()
	if watched || c.watched {
		t.Fatal("a regular file was accepted as a pidfd")
	}
	m.watchSIGCHLD()
	release.Close()

	if e := p.wait(t); e.Code != 5 || p.calls.Load() != 1 {
		t.Fatalf("exit %v, %d callbacks; want exit code 5, once", e, p.calls.Load())
	}
}

// The start time given from the clock bracket is the one /proc reports.
func TestStartTimeFromClock(t *testing.T) {
	clock := newBootClock()
	if clock.hz == 0 {
		t.Skip("USER_HZ unknown")
	}
	// The kernel stamps the child between readings taken around its fork.
	for range 20 {
		before := clock.now()
		cmd := exec.Command("/bin/true")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		after := clock.now()
		st, err := ProcStartTime(cmd.Process.Pid)
		_ = cmd.Wait()
		if err != nil {
			t.Fatal(err)
		}
		if st < before || st > after {
			t.Fatalf("start time %d not within the clock readings [%d, %d]", st, before, after)
		}
	}
	// Through the Manager, which reads /proc only when the readings differ.
	m := newManager(t, Options{Logger: discardLogger()})
	for range 20 {
		p := start(t, m, Spec{Argv: []string{"/bin/sleep", "60"}})
		want, err := ProcStartTime(p.PID)
		if err != nil {
			t.Fatal(err)
		}
		if p.StartTime != want {
			t.Fatalf("pid %d: StartTime %d, /proc says %d", p.PID, p.StartTime, want)
		}
		if err := SignalGroup(p.PGID, "SIGKILL"); err != nil {
			t.Fatal(err)
		}
		p.wait(t)
	}
}

// Readings that differ, or an unusable clock, make startTime read /proc.
func TestStartTimeFallsBackToProc(t *testing.T) {
	self, err := ProcStartTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		clock         bootClock
		before, after uint64
	}{
		{bootClock{hz: 100}, 1, 2},
		{bootClock{hz: 100}, 0, 0},
		{bootClock{}, 0, 0},
	} {
		if got, err := c.clock.startTime(os.Getpid(), c.before, c.after); err != nil || got != self {
			t.Errorf("%+v: startTime(%d, %d) = %d, %v; want %d from /proc", c.clock, c.before, c.after, got, err, self)
		}
	}
	if got, err := (bootClock{hz: 100}).startTime(os.Getpid(), 7, 7); err != nil || got != 7 {
		t.Errorf("startTime(7, 7) = %d, %v; want 7", got, err)
	}
	if (bootClock{}).now() != 0 {
		t.Error("an unusable clock reads non-zero")
	}
	if _, err := ProcStartTime(1 << 30); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ProcStartTime of no process: %v, want ErrNotExist", err)
	}
}
