//go:build linux

package process

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// glibcFullMask is glibc's sigfillset, the mask it blocks around
// pthread_create (and dash around its forks): every signal but glibc's two
// internal ones, 32 and 33.
const glibcFullMask = ^uint64(0) &^ (1<<(32-1) | 1<<(33-1))

// sigBlk returns the SigBlk field of /proc/PID/status, or of the thread
// /proc/self/task/TID when pid is "self/task/TID".
func sigBlk(pid string) (uint64, error) {
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if hex, ok := strings.CutPrefix(line, "SigBlk:"); ok {
			mask, err := strconv.ParseUint(strings.TrimSpace(hex), 16, 64)
			if err != nil {
				return 0, fmt.Errorf("SigBlk of %s: %w", pid, err)
			}
			return mask, nil
		}
	}
	return 0, fmt.Errorf("no SigBlk in /proc/%s/status", pid)
}

// blockSignals blocks glibcFullMask on the calling thread, which must be
// locked, and returns a function that restores the previous mask.
func blockSignals() (restore func() error, err error) {
	set := unix.Sigset_t{}
	setSignals(&set, glibcFullMask)
	var old unix.Sigset_t
	if err := unix.PthreadSigmask(unix.SIG_BLOCK, &set, &old); err != nil {
		return nil, fmt.Errorf("block signals: %w", err)
	}
	return func() error {
		if err := unix.PthreadSigmask(unix.SIG_SETMASK, &old, nil); err != nil {
			return fmt.Errorf("restore signal mask: %w", err)
		}
		return nil
	}, nil
}

// setSignals puts the 64 signals of mask into set, whose words are 64 bits
// wide on 64-bit architectures and 32 bits on 32-bit ones.
func setSignals(set *unix.Sigset_t, mask uint64) {
	switch val := any(&set.Val).(type) {
	case *[16]uint64:
		val[0] = mask
	case *[32]uint32:
		val[0], val[1] = uint32(mask), uint32(mask>>32)
	default:
		panic(fmt.Sprintf("unknown sigset layout %T", val))
	}
}

// blockedMask is the SigBlk of a thread after blockSignals: the kernel
// never blocks SIGKILL and SIGSTOP. It is the mask reported in the flaky
// runs of superd's TestChildStartsClean.
const blockedMask = glibcFullMask &^ (1<<(unix.SIGKILL-1) | 1<<(unix.SIGSTOP-1))

// childMask starts a sleep with m and returns its signal mask. The sleep
// has run exec when Start returns, and a sleep changes no mask, so its
// mask is the one it was started with (unlike a shell's, which blocks
// every signal while it forks).
func childMask(t *testing.T, m *Manager) uint64 {
	t.Helper()
	p := start(t, m, Spec{Argv: []string{"sleep", "60"}})
	mask, err := sigBlk(strconv.Itoa(p.PID))
	if err != nil {
		t.Fatal(err)
	}
	return mask
}

// Children start with no signal blocked, also when the goroutine calling
// Start runs on a thread that blocks every signal.
func TestChildStartsWithNoSignalBlocked(t *testing.T) {
	forEachReapMode(t, func(t *testing.T, pidfds bool) {
		m := newManagerMode(t, Options{Logger: discardLogger()}, pidfds)
		for i := range 5 {
			if mask := childMask(t, m); mask != 0 {
				t.Errorf("child %d: SigBlk %016x, want none blocked", i, mask)
			}
		}
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		restore, err := blockSignals()
		if err != nil {
			t.Fatal(err)
		}
		mask := childMask(t, m)
		if err := restore(); err != nil {
			t.Fatal(err)
		}
		if mask != 0 {
			t.Errorf("child started by a caller blocking every signal: SigBlk %016x, want none blocked", mask)
		}
	})
}

// Children start with no signal blocked even when the spawner's thread had
// every signal blocked when it started: the spawner empties its mask.
func TestSpawnerClearsItsSignalMask(t *testing.T) {
	m, err := prepareManager(Options{Logger: discardLogger()}, pidfdsWork())
	if err != nil {
		t.Fatal(err)
	}
	// As newManagerWith, but with the spawner started below.
	m.wg.Add(2)
	go m.reapLoop()
	if m.poller != nil {
		m.wg.Add(1)
		go m.pollExits()
	}
	blocked := make(chan error, 1)
	go func() {
		// Locked twice (spawnLoop locks again) and never unlocked: the
		// thread exits with the spawner, and its mask with it.
		runtime.LockOSThread()
		_, err := blockSignals()
		if err == nil {
			var mask uint64
			mask, err = sigBlk("self/task/" + strconv.Itoa(unix.Gettid()))
			if err == nil && mask != blockedMask {
				err = fmt.Errorf("spawner thread SigBlk %016x before its loop, want %016x", mask, uint64(blockedMask))
			}
		}
		blocked <- err
		m.spawnLoop()
	}()
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	if err := <-blocked; err != nil {
		t.Fatal(err)
	}
	if mask := childMask(t, m); mask != 0 {
		t.Errorf("child of a spawner whose thread blocked every signal: SigBlk %016x, want none blocked", mask)
	}
}

// blockedMaskHelper runs in a process started with every signal blocked
// (see TestChildSignalMaskWhenStartedBlocked): it starts a child and
// prints "SIGMASK OK" if the child has no signal blocked.
func blockedMaskHelper() int {
	self, err := sigBlk("self")
	if err != nil || self == 0 {
		fmt.Printf("FAIL: helper SigBlk %016x (%v): started with no signal blocked\n", self, err)
		return 1
	}
	m, err := NewManager(Options{Logger: discardLogger()})
	if err != nil {
		fmt.Println("FAIL:", err)
		return 1
	}
	defer m.Close()
	exited := make(chan Exit, 1)
	h, err := m.Start(Spec{Argv: []string{"sleep", "60"}, Env: os.Environ()}, func(e Exit) { exited <- e })
	if err != nil {
		fmt.Println("FAIL:", err)
		return 1
	}
	mask, err := sigBlk(strconv.Itoa(h.PID))
	if err := SignalGroup(h.PGID, "SIGKILL"); err != nil {
		fmt.Println("FAIL: kill child:", err)
	}
	select {
	case <-exited:
	case <-time.After(deadline):
		fmt.Println("FAIL: no exit callback")
		return 1
	}
	switch {
	case err != nil:
		fmt.Println("FAIL:", err)
		return 1
	case mask != 0:
		fmt.Printf("FAIL: child SigBlk %016x, want none blocked (helper: %016x)\n", mask, self)
		return 1
	}
	fmt.Println("SIGMASK OK")
	return 0
}

// A supervisor started with every signal blocked (its parent forked it from
// a thread in that state) still starts its children with none blocked,
// although the Go runtime keeps most of those signals blocked on its own
// threads.
func TestChildSignalMaskWhenStartedBlocked(t *testing.T) {
	cmd := runHelper(t, "blockedmask")
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	// The helper starts with the mask of the thread that forks it.
	runtime.LockOSThread()
	restore, err := blockSignals()
	if err != nil {
		runtime.UnlockOSThread()
		t.Fatal(err)
	}
	err = cmd.Start()
	if rerr := restore(); rerr != nil {
		t.Error(rerr) // the thread stays locked, so it exits with this goroutine
	} else {
		runtime.UnlockOSThread()
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil || !strings.Contains(out.String(), "SIGMASK OK") {
		t.Fatalf("helper: %v\n%s", err, out.String())
	}
}
