//go:build linux

package process

import (
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// pollerRetryHelper creates a Manager while the process has no descriptor
// left (RLIMIT_NOFILE at the lowest free one), so that its exit poller
// cannot be created, then lifts the limit and checks that the next child's
// exit is watched by an exit poller created then, not left to SIGCHLD
// passes for good. It prints "POLLER OK".
func pollerRetryHelper() int {
	fail := func(format string, args ...any) int {
		fmt.Printf("FAIL: "+format+"\n", args...)
		return 1
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	// The runtime's netpoller needs descriptors of its own: create it now.
	r, w, err := os.Pipe()
	if err != nil {
		return fail("pipe: %v", err)
	}
	r.Close()
	w.Close()
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		return fail("getrlimit: %v", err)
	}
	free, err := unix.Open(os.DevNull, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fail("open: %v", err)
	}
	_ = unix.Close(free)
	low := lim
	low.Cur = uint64(free)
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &low); err != nil {
		return fail("setrlimit: %v", err)
	}
	m, err := newManagerWith(Options{Logger: log}, true)
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		return fail("setrlimit: %v", err)
	}
	if err != nil {
		return fail("NewManager: %v", err)
	}
	defer m.Close()
	m.mu.Lock()
	early := m.poller != nil
	m.mu.Unlock()
	if early {
		return fail("the exit poller was created without a descriptor left")
	}

	exited := make(chan Exit, 1)
	h, err := m.Start(Spec{Argv: []string{"/bin/sleep", "60"}}, func(e Exit) { exited <- e })
	if err != nil {
		return fail("Start: %v", err)
	}
	m.mu.Lock()
	c := m.procs[h.PID]
	watched := c != nil && c.watched
	polling := m.poller != nil
	m.mu.Unlock()
	if err := SignalGroup(h.PGID, "SIGKILL"); err != nil {
		return fail("kill: %v", err)
	}
	select {
	case e := <-exited:
		if e.Signal != "SIGKILL" {
			return fail("exit %v, want SIGKILL", e)
		}
	case <-time.After(deadline):
		return fail("exit of the child not delivered")
	}
	if !polling || !watched {
		return fail("after the fd limit was lifted, a new child is left to SIGCHLD passes (exit poller %v, child watched %v)", polling, watched)
	}
	fmt.Println("POLLER OK")
	return 0
}

// TestExitPollerCreatedLater: an exit poller that could not be created at
// start (EMFILE) is created at a later start of a child, once descriptors
// are available again, instead of leaving every exit to SIGCHLD passes for
// good (each a wait4 per child without subreaper).
func TestExitPollerCreatedLater(t *testing.T) {
	if !pidfdsWork() {
		t.Skip("no pidfds on this kernel")
	}
	out, err := runHelper(t, "pollerretry").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "POLLER OK") {
		t.Fatalf("helper failed (%v):\n%s", err, out)
	}
}
