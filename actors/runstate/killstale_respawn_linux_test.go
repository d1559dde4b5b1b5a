//go:build linux

package runstate

import (
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// TestKillStaleRespawnedProcesses checks that KillStale also kills the
// marked processes that a process outliving SIGTERM starts after the
// search: here a loop that catches SIGTERM and starts its worker again
// when the worker dies of it. Otherwise the new worker runs on beside the
// service's next instance.
func TestKillStaleRespawnedProcesses(t *testing.T) {
	g := startGroup(t, "web", `trap : TERM; echo ready; while :; do sleep 60 & wait $!; done`, 1, markerEnv("web"))
	t.Cleanup(func() {
		for _, pid := range liveMembers(g.rec.PGID) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		// The workers whose parent died were reparented to this process.
		for _, pid := range membersOf(g.rec.PGID) {
			if pid != g.rec.PID && parentOf(pid) == os.Getpid() {
				_, _ = syscall.Wait4(pid, nil, 0, nil)
			}
		}
	})
	// The loop is found by its marker alone, as one that left its group.
	KillStale(t.Context(), State{Marker: markerTest}, termAfter(2*time.Second), testLogger(t))
	if left := liveMembers(g.rec.PGID); len(left) > 0 {
		t.Errorf("processes %v of the loop's group survived KillStale", left)
	}
}

// membersOf returns the processes of group pgid, zombies included.
func membersOf(pgid int) []int {
	dir, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range dir {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if info, err := inspect(pid); err == nil && info.pgid == pgid {
			pids = append(pids, pid)
		}
	}
	return pids
}

// liveMembers returns the processes of group pgid that are not zombies.
func liveMembers(pgid int) []int {
	var pids []int
	for _, pid := range membersOf(pgid) {
		if alive(pid) {
			pids = append(pids, pid)
		}
	}
	return pids
}
