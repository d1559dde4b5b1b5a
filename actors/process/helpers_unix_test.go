//go:build unix

package process

import (
	"bufio"
	"errors"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// deadline bounds every wait of the tests.
const deadline = 10 * time.Second

// newManager returns a Manager closed at the end of the test. Register it
// before starting processes: cleanups run last-in first-out, so the
// processes' cleanups (kill and wait) run before Close.
func newManager(tb testing.TB, opts Options) *Manager {
	tb.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(testWriter{tb}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	m, err := NewManager(opts)
	if err != nil {
		tb.Fatalf("NewManager: %v", err)
	}
	tb.Cleanup(func() {
		if err := m.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return m
}

// discardLogger returns a logger that drops everything.
func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// testWriter sends log output to the test log.
type testWriter struct{ tb testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.tb.Logf("%s", strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// proc is a started process and the record of its exit callback.
type proc struct {
	Handle
	calls atomic.Int32
	done  chan struct{}
	once  sync.Once
	exit  Exit
}

func (p *proc) onExit(e Exit) {
	p.calls.Add(1)
	p.once.Do(func() {
		p.exit = e
		close(p.done)
	})
}

// wait returns the exit of p, failing the test after the deadline.
func (p *proc) wait(tb testing.TB) Exit {
	tb.Helper()
	select {
	case <-p.done:
		return p.exit
	case <-time.After(deadline):
		tb.Fatalf("pid %d: no exit callback within %v", p.PID, deadline)
		return Exit{}
	}
}

// start starts spec and makes sure the process group is killed and the exit
// collected when the test ends.
func start(tb testing.TB, m *Manager, spec Spec) *proc {
	tb.Helper()
	if spec.Env == nil {
		spec.Env = os.Environ()
	}
	p := &proc{done: make(chan struct{})}
	h, err := m.Start(spec, p.onExit)
	if err != nil {
		tb.Fatalf("Start(%q): %v", spec.Argv, err)
	}
	p.Handle = h
	tb.Cleanup(func() {
		if err := SignalGroup(h.PGID, "SIGKILL"); err != nil && !errors.Is(err, ErrNoProcess) {
			tb.Errorf("cleanup: kill group %d: %v", h.PGID, err)
		}
		p.wait(tb)
		if n := p.calls.Load(); n != 1 {
			tb.Errorf("pid %d: exit callback called %d times", h.PID, n)
		}
	})
	return p
}

// pipe returns a pipe whose ends are closed at the end of the test.
func pipe(tb testing.TB) (r, w *os.File) {
	tb.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		r.Close()
		w.Close()
	})
	return r, w
}

// readPID reads one line holding a pid from r.
func readPID(tb testing.TB, r *bufio.Reader) int {
	tb.Helper()
	line, err := r.ReadString('\n')
	if err != nil {
		tb.Fatalf("read pid: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		tb.Fatalf("read pid: %v", err)
	}
	return pid
}

// waitFor polls cond until it holds, failing the test after the deadline.
func waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	end := time.Now().Add(deadline)
	for !cond() {
		if time.Now().After(end) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// gone reports whether pid no longer runs: it does not exist or is a zombie.
func gone(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return true
	}
	st, ok := procState(pid)
	return ok && st == 'Z'
}

// killOrphan kills a descendant that outlived its parent and, where the test
// process is its subreaper (Linux, see TestMain), reaps it, so that no
// process or zombie is left behind.
func killOrphan(tb testing.TB, pid int) {
	tb.Helper()
	_ = syscall.Kill(pid, syscall.SIGKILL)
	for {
		var ws syscall.WaitStatus
		_, err := syscall.Wait4(pid, &ws, 0, nil)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil { // not our child: someone else reaps it
			waitFor(tb, "orphan "+strconv.Itoa(pid)+" to die", func() bool { return gone(pid) })
		}
		return
	}
}
