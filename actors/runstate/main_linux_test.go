//go:build linux

package runstate

import (
	"fmt"
	"os"
	"strconv"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// TestMain runs the test binary as superdHelper when helperEnv is set.
// Otherwise it makes the test process a child subreaper, so that the
// grandchildren the KillStale tests create are reparented to it, not to an
// init that may not reap them, and can be reaped (see group.cleanup). After
// the tests it fails the run if any child, or zombie, was left behind.
func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		os.Exit(superdHelper(os.Getenv(helperEnv)))
	}
	if os.Getenv(ownGroupEnv) != "" {
		os.Exit(ownGroupHelper())
	}
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		fmt.Fprintln(os.Stderr, "become a child subreaper:", err)
		os.Exit(2)
	}
	code := m.Run()
	if kids := childrenOf(os.Getpid()); len(kids) > 0 {
		fmt.Fprintln(os.Stderr, "children left behind:", kids)
		for _, pid := range kids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			_, _ = syscall.Wait4(pid, nil, 0, nil)
		}
		code = 1
	}
	os.Exit(code)
}

// childrenOf returns the pids of the children of ppid, zombies included.
func childrenOf(ppid int) []int {
	entries, _ := os.ReadDir("/proc")
	var kids []int
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil && parentOf(pid) == ppid {
			kids = append(kids, pid)
		}
	}
	return kids
}

// parentOf returns the parent of pid, or -1 if pid does not exist.
func parentOf(pid int) int {
	info, err := inspect(pid)
	if err != nil {
		return -1
	}
	return info.ppid
}
