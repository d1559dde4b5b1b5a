//go:build linux

package runstate

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
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
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var kids []int
	for _, path := range stats {
		if parentOf(path) == ppid {
			pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(path)))
			kids = append(kids, pid)
		}
	}
	return kids
}

// parentOf returns the parent pid (field 4) from the stat file at path, or
// -1 if it cannot be read.
func parentOf(statPath string) int {
	b, err := os.ReadFile(statPath)
	if err != nil {
		return -1
	}
	i := bytes.LastIndexByte(b, ')')
	f := bytes.Fields(b[i+1:])
	if i < 0 || len(f) < 2 {
		return -1
	}
	ppid, err := strconv.Atoi(string(f[1]))
	if err != nil {
		return -1
	}
	return ppid
}
