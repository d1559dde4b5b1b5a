//go:build unix

package process

import (
	"bufio"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
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

// reapMode is a way a Manager learns of exits: SIGCHLD passes, or pidfd
// watchers.
type reapMode struct {
	name   string
	pidfds bool
}

// reapModes lists the reap modes of this platform: SIGCHLD passes
// everywhere, and pidfd watchers where the kernel has them.
func reapModes() []reapMode {
	modes := []reapMode{{name: "sigchld"}}
	if pidfdsWork() {
		modes = append(modes, reapMode{name: "pidfd", pidfds: true})
	}
	return modes
}

// forEachReapMode runs f as a subtest for each reap mode.
func forEachReapMode(t *testing.T, f func(t *testing.T, pidfds bool)) {
	for _, mode := range reapModes() {
		t.Run(mode.name, func(t *testing.T) { f(t, mode.pidfds) })
	}
}

// newManagerMode is newManager with the reap mode chosen.
func newManagerMode(tb testing.TB, opts Options, pidfds bool) *Manager {
	tb.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(testWriter{tb}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	m, err := newManagerWith(opts, pidfds)
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

// exitRecorder records the exit callbacks of a set of children.
type exitRecorder struct {
	want int           // callbacks expected
	all  chan struct{} // closed once want callbacks have come

	mu    sync.Mutex
	calls map[int][]string // pid -> statuses reported
	total int
}

func newExitRecorder(want int) *exitRecorder {
	return &exitRecorder{want: want, all: make(chan struct{}), calls: make(map[int][]string)}
}

func (r *exitRecorder) onExit(e Exit) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls[e.PID] = append(r.calls[e.PID], e.String())
	if r.total++; r.total == r.want {
		close(r.all)
	}
}

// check compares the callbacks with want (pid -> status): one for each
// pid, with its status, and none for other pids.
func (r *exitRecorder) check(want map[int]string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var errs []error
	for pid, status := range want {
		if got := r.calls[pid]; len(got) != 1 || got[0] != status {
			errs = append(errs, fmt.Errorf("pid %d: callbacks %q, want one %q", pid, got, status))
		}
	}
	for pid, got := range r.calls {
		if _, ok := want[pid]; !ok {
			errs = append(errs, fmt.Errorf("pid %d: callbacks %q for a process not started", pid, got))
		}
	}
	return errors.Join(errs...)
}

// exitStorm starts n children of m that all exit at the same moment, each
// with a status of its own: child i exits with code i%200+1, except every
// third, which kills itself with SIGKILL. With orphans, each child also
// leaves behind a background process that exits at that moment too. It
// returns the expected status of each child by pid once they have all been
// released; the exits are reported to rec.
//
// The children wait on a FIFO in dir: each opens it, says it is ready on its
// stdout and reads it. They all see EOF when the storm closes its own
// descriptor, the only one open for writing (opened read-write so that the
// children's opens do not block).
func exitStorm(m *Manager, dir string, n int, orphans bool, rec *exitRecorder) (map[int]string, error) {
	fifo := filepath.Join(dir, "barrier")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		return nil, fmt.Errorf("mkfifo: %w", err)
	}
	barrier, err := os.OpenFile(fifo, os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	defer barrier.Close() // releases the children, on error too
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	defer w.Close()

	var orphan string
	if orphans {
		orphan = `(read y <&3; exit 0) & `
	}
	want := make(map[int]string, n)
	for i := range n {
		end, status := fmt.Sprintf("exit %d", i%200+1), fmt.Sprintf("exit code %d", i%200+1)
		if i%3 == 0 {
			end, status = "kill -KILL $$", "signal SIGKILL"
		}
		script := `exec 3<"$1" || exit 99; ` + orphan + `echo ready; read x <&3; ` + end
		h, err := m.Start(Spec{Argv: []string{"/bin/sh", "-c", script, "sh", fifo}, Stdout: w}, rec.onExit)
		if err != nil {
			return nil, fmt.Errorf("start child %d: %w", i, err)
		}
		want[h.PID] = status
	}
	w.Close()
	if err := r.SetReadDeadline(time.Now().Add(deadline)); err != nil {
		return nil, err
	}
	ready := bufio.NewScanner(r)
	for i := range n {
		if !ready.Scan() {
			return nil, fmt.Errorf("only %d of %d children ready: %v", i, n, ready.Err())
		}
	}
	return want, barrier.Close()
}
