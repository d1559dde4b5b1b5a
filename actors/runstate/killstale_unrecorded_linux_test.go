//go:build linux

package runstate

import (
	"os"
	"strconv"
	"syscall"
	"testing"

	"github.com/supers-dev/supers/actors/process"
)

// TestKillStaleUnrecordedGroup: a superd killed before it wrote the record
// of a service's new process group (the state actor batches its writes)
// leaves a group that only the marker of its processes reveals. Its leader
// died with superd (parent-death signal); a member that cleared its
// environment must be killed with the group all the same, as it is when
// the group is recorded (TestKillStaleLeaderlessGroup), or the service
// would run twice.
func TestKillStaleUnrecordedGroup(t *testing.T) {
	g := startSession(t, "web",
		`env -u `+MarkerEnv+` sh -c 'echo $$; exec sleep 60' & sh -c 'echo $$; exec sleep 60' &`,
		2, markerEnv("web"))
	if ws := g.leaderStatus(t); !ws.Exited() {
		t.Fatalf("leader: status %#x, want an exit", ws)
	}
	waitMarked(t, "web", g.members...)
	// The file holds the marker, and no record of the group.
	st := stateOf(t)
	st.Marker = markerTest
	killed := KillStale(t.Context(), st, termAfter(deadline), testLogger(t))
	if len(killed) != 1 || killed[0].PGID != g.rec.PGID || killed[0].Service != "web" {
		t.Errorf("killed %+v, want the group %d of web", killed, g.rec.PGID)
	}
	for i := range g.members {
		wantSignal(t, "member "+strconv.Itoa(i), g.memberStatus(t, i), syscall.SIGTERM)
	}
}

// TestKillStaleMarkedInForeignSession: a marked process in a session whose
// leader is alive and unmarked (a marker copied into another program's
// environment) is killed alone: its group may hold processes that are not
// the service's.
func TestKillStaleMarkedInForeignSession(t *testing.T) {
	g := startSession(t, "web",
		markerEnv("web")+` sh -c 'echo $$; exec sleep 60' & sh -c 'echo $$; exec sleep 60' & echo ready; wait`,
		3)
	waitMarked(t, "web", g.members...)
	// The members ran concurrently: which one is marked?
	marked, unmarked := g.members[0], g.members[1]
	if _, ok, _ := markedEnviron(process.NewEnvironProbe(), marked, []string{markerTest}); !ok {
		marked, unmarked = unmarked, marked
	}
	st := stateOf(t)
	st.Marker = markerTest
	killed := KillStale(t.Context(), st, termAfter(deadline), testLogger(t))
	if len(killed) != 1 || killed[0].PID != marked {
		t.Errorf("killed %+v, want the marked process %d alone", killed, marked)
	}
	waitFor(t, "the marked process to exit", func() bool { return exited(marked) })
	if !alive(g.rec.PID) || !alive(unmarked) {
		t.Errorf("unmarked processes of the session were killed: leader alive=%v, member alive=%v", alive(g.rec.PID), alive(unmarked))
	}
}

// waitMarked waits until each of pids runs sleep and one of them shows
// the marker of service: a process read while its exec replaces its
// memory may show an empty environment.
func waitMarked(t *testing.T, service string, pids ...int) {
	t.Helper()
	waitFor(t, "the processes to exec sleep, one of them marked", func() bool {
		found := false
		for _, pid := range pids {
			comm, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
			if err != nil || string(comm) != "sleep\n" {
				return false
			}
			s, ok, _ := markedEnviron(process.NewEnvironProbe(), pid, []string{markerTest})
			found = found || ok && s == service
		}
		return found
	})
}
