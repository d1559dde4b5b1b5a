//go:build unix

package process

import (
	"bufio"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestExitCode(t *testing.T) {
	m := newManager(t, Options{})
	p := start(t, m, Spec{Argv: []string{"/bin/sh", "-c", "exit 3"}})
	e := p.wait(t)
	if e.PID != p.PID || e.Code != 3 || e.Signal != "" {
		t.Fatalf("exit = %+v, want pid %d, code 3, no signal", e, p.PID)
	}
	if e.String() != "exit code 3" {
		t.Errorf("String() = %q", e.String())
	}
	if e.Time.IsZero() {
		t.Error("exit time not set")
	}
	if p.PGID != p.PID {
		t.Errorf("PGID = %d, want PID %d", p.PGID, p.PID)
	}
}

func TestKilledBySignal(t *testing.T) {
	for _, sig := range []string{"SIGKILL", "SIGTERM"} {
		t.Run(sig, func(t *testing.T) {
			m := newManager(t, Options{})
			p := start(t, m, Spec{Argv: []string{"sleep", "60"}})
			if err := SignalGroup(p.PGID, sig); err != nil {
				t.Fatalf("SignalGroup: %v", err)
			}
			e := p.wait(t)
			if e.Code != -1 || e.Signal != sig {
				t.Fatalf("exit = %+v, want code -1, signal %s", e, sig)
			}
			if want := "signal " + sig; e.String() != want {
				t.Errorf("String() = %q, want %q", e.String(), want)
			}
		})
	}
}

// Children that exit at once race with their own registration; none may
// be lost or reported twice.
func TestImmediateExitNeverLost(t *testing.T) {
	forEachReapMode(t, testImmediateExitNeverLost)
}

func testImmediateExitNeverLost(t *testing.T, pidfds bool) {
	const n = 200
	m, err := newManagerWith(Options{}, pidfds)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()

	var (
		mu    sync.Mutex
		calls = make(map[int]int)
		all   = make(chan struct{})
		total int
	)
	onExit := func(e Exit) {
		mu.Lock()
		defer mu.Unlock()
		calls[e.PID]++
		if e.Code != 0 || e.Signal != "" {
			t.Errorf("pid %d: exit %v, want exit code 0", e.PID, e)
		}
		if total++; total == n {
			close(all)
		}
	}
	pids := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			h, err := m.Start(Spec{Argv: []string{"/bin/true"}}, onExit)
			if err != nil {
				t.Errorf("Start: %v", err)
				return
			}
			pids <- h.PID
		})
	}
	wg.Wait()
	close(pids)
	select {
	case <-all:
	case <-time.After(2 * deadline):
		mu.Lock()
		t.Fatalf("only %d of %d exit callbacks within %v", total, n, 2*deadline)
	}
	// After Close the reaper is gone: no late duplicate can slip by.
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	started := 0
	for pid := range pids {
		started++
		if calls[pid] != 1 {
			t.Errorf("pid %d: %d exit callbacks, want 1", pid, calls[pid])
		}
	}
	if started != n || len(calls) != n {
		t.Errorf("%d started, callbacks for %d pids, want %d", started, len(calls), n)
	}
}

// The exit of a process is reported when it exits, even if a background
// grandchild still holds its stdout.
func TestGrandchildHoldingStdoutDoesNotDelayExit(t *testing.T) {
	m := newManager(t, Options{})
	r, w := pipe(t)
	p := start(t, m, Spec{Argv: []string{"/bin/sh", "-c", "sleep 30 & echo $!; exit 0"}, Stdout: w})
	w.Close()
	grandchild := readPID(t, bufio.NewReader(r))
	t.Cleanup(func() { killOrphan(t, grandchild) })

	e := p.wait(t) // the deadline is well below the 30 s the pipe stays open
	if e.Code != 0 || e.Signal != "" {
		t.Fatalf("exit = %v, want exit code 0", e)
	}
	if gone(grandchild) {
		t.Fatal("grandchild no longer runs: the test proves nothing")
	}
}

func TestSignalGroupKillsGrandchildren(t *testing.T) {
	m := newManager(t, Options{})
	r, w := pipe(t)
	p := start(t, m, Spec{Argv: []string{"/bin/sh", "-c", "sleep 60 & echo $!; wait"}, Stdout: w})
	w.Close()
	br := bufio.NewReader(r)
	grandchild := readPID(t, br)
	t.Cleanup(func() { killOrphan(t, grandchild) })

	if err := SignalGroup(p.PGID, "SIGKILL"); err != nil {
		t.Fatalf("SignalGroup: %v", err)
	}
	if e := p.wait(t); e.Signal != "SIGKILL" {
		t.Fatalf("exit = %v, want signal SIGKILL", e)
	}
	// EOF on stdout: every process holding the pipe, the grandchild
	// included, is dead.
	if err := r.SetReadDeadline(time.Now().Add(deadline)); err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, br); err != nil {
		t.Fatalf("stdout not closed by the group kill: %v", err)
	}
	waitFor(t, "grandchild to die", func() bool { return gone(grandchild) })
}

func TestSignalGroupNoProcess(t *testing.T) {
	m := newManager(t, Options{})
	p := start(t, m, Spec{Argv: []string{"/bin/true"}})
	p.wait(t)
	err := SignalGroup(p.PGID, "SIGTERM")
	if !errors.Is(err, ErrNoProcess) {
		t.Fatalf("SignalGroup on a reaped group: %v, want ErrNoProcess", err)
	}
}

func TestSignalGroupRejectsBadInput(t *testing.T) {
	for _, pgid := range []int{-5, 0, 1} {
		err := SignalGroup(pgid, "SIGTERM")
		if err == nil || errors.Is(err, ErrNoProcess) {
			t.Errorf("SignalGroup(%d): %v, want an invalid-group error", pgid, err)
		}
	}
	if err := SignalGroup(os.Getpid(), "SIGNOPE"); !errors.Is(err, ErrUnknownSignal) {
		t.Errorf("SignalGroup with a bad name: %v, want ErrUnknownSignal", err)
	}
}

func TestSignalNumber(t *testing.T) {
	for name, want := range map[string]syscall.Signal{
		"SIGTERM": syscall.SIGTERM, "SIGKILL": syscall.SIGKILL, "SIGHUP": syscall.SIGHUP, "SIGUSR1": syscall.SIGUSR1,
	} {
		if got, err := SignalNumber(name); err != nil || got != want {
			t.Errorf("SignalNumber(%q) = %v, %v; want %v", name, got, err, want)
		}
	}
	for _, name := range []string{"", "TERM", "sigterm", "SIGBOGUS", "15", "SIGRTMIN+31", "SIGRTMIN+", "SIGRTMIN+01", "SIGRTMIN-1", "SIGRTMAX"} {
		if _, err := SignalNumber(name); !errors.Is(err, ErrUnknownSignal) {
			t.Errorf("SignalNumber(%q): %v, want ErrUnknownSignal", name, err)
		}
	}
}

// Without Subreaper the Manager must not take the exit status of children
// other code of the process waits for.
func TestUnregisteredChildKeepsExitStatus(t *testing.T) {
	forEachReapMode(t, testUnregisteredChildKeepsExitStatus)
}

func testUnregisteredChildKeepsExitStatus(t *testing.T, pidfds bool) {
	m := newManagerMode(t, Options{}, pidfds)
	// Keep SIGCHLD and reap passes coming while the foreign children run.
	stop := make(chan struct{})
	churned := make(chan struct{})
	go func() {
		defer close(churned)
		for {
			select {
			case <-stop:
				return
			default:
			}
			exited := make(chan struct{})
			if _, err := m.Start(Spec{Argv: []string{"/bin/true"}}, func(Exit) { close(exited) }); err != nil {
				t.Errorf("Start: %v", err)
				return
			}
			<-exited
		}
	}()
	defer func() { close(stop); <-churned }()

	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			err := exec.Command("/bin/sh", "-c", "exit 7").Run()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 7 {
				t.Errorf("foreign child: %v, want exit status 7", err)
			}
		})
	}
	wg.Wait()
}

// Many children exiting at the same moment are each reported once, with
// their own status.
func TestSimultaneousExits(t *testing.T) {
	forEachReapMode(t, func(t *testing.T, pidfds bool) {
		const n = 100
		m, err := newManagerWith(Options{Logger: discardLogger()}, pidfds)
		if err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		rec := newExitRecorder(n)
		want, err := exitStorm(m, t.TempDir(), n, false, rec)
		if err != nil {
			t.Fatal(err)
		}
		select {
		case <-rec.all:
		case <-time.After(deadline):
			t.Fatalf("exit callbacks missing: %v", rec.check(want))
		}
		// After Close no late duplicate can slip by.
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
		if err := rec.check(want); err != nil {
			t.Error(err)
		}
	})
}

func TestCloseIsIdempotentAndStopsStarts(t *testing.T) {
	m, err := NewManager(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := m.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := m.Start(Spec{Argv: []string{"/bin/true"}}, nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("Start after Close: %v, want ErrClosed", err)
	}
}

func TestNilExitCallback(t *testing.T) {
	m := newManager(t, Options{})
	h, err := m.Start(Spec{Argv: []string{"/bin/true"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "child to be reaped", func() bool {
		return errors.Is(SignalGroup(h.PGID, "SIGKILL"), ErrNoProcess)
	})
}

func BenchmarkStartExit(b *testing.B) {
	m := newManager(b, Options{Logger: discardLogger()})
	exited := make(chan Exit, 1)
	onExit := func(e Exit) { exited <- e }
	spec := Spec{Argv: []string{"/bin/true"}}
	for b.Loop() {
		if _, err := m.Start(spec, onExit); err != nil {
			b.Fatal(err)
		}
		if e := <-exited; e.Code != 0 {
			b.Fatalf("exit %v", e)
		}
	}
}

// A process killed by a signal that dumped core says so, as wait(2) does
// (WCOREDUMP) and systemd shows it (code=dumped): the core is there to be
// looked at.
func TestKilledDumpingCore(t *testing.T) {
	if pattern, err := os.ReadFile("/proc/sys/kernel/core_pattern"); err == nil && strings.HasPrefix(string(pattern), "|") {
		t.Skip("cores go to a collector (core_pattern " + strings.TrimSpace(string(pattern)) + "): no crash report for this test")
	}
	dir := t.TempDir()
	script := "ulimit -c unlimited 2>/dev/null || exit 99; kill -SEGV $$"
	// Whether this system writes cores at all (core_pattern, a hard
	// RLIMIT_CORE of 0) is learnt from the same script run by os/exec.
	cmd := exec.Command("/bin/sh", "-c", script)
	cmd.Dir = dir
	_ = cmd.Run()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.CoreDump() {
		t.Skipf("no core dumped on this system: %v", cmd.ProcessState)
	}
	m := newManager(t, Options{})
	e := start(t, m, Spec{Argv: []string{"/bin/sh", "-c", script}, Dir: dir}).wait(t)
	if e.Signal != "SIGSEGV" || !e.CoreDumped {
		t.Fatalf("exit = %+v, want signal SIGSEGV, core dumped", e)
	}
	if want := "signal SIGSEGV (core dumped)"; e.String() != want {
		t.Errorf("String() = %q, want %q", e.String(), want)
	}
}
