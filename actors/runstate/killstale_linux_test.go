//go:build linux

package runstate

import (
	"bufio"
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/supers-dev/supers/actors/process"
)

// deadline bounds every wait of the tests.
const deadline = 10 * time.Second

// group is a process group started by a test, as superd would have.
type group struct {
	cmd     *exec.Cmd
	rec     Record
	members []int // pids of members started by the leader
}

// startGroup runs script with sh -c as the leader of a new process group,
// with this process's environment plus env, and reads lines lines from its
// standard output, written once the script is ready: a number is the pid of
// a member of the group (or a descendant that left it), anything else is
// ignored. The group is killed and reaped when the test ends.
func startGroup(t *testing.T, service, script string, lines int, env ...string) *group {
	t.Helper()
	return startGroupAttr(t, &syscall.SysProcAttr{Setpgid: true}, service, script, lines, env...)
}

// startSession is startGroup with the leader in a new session, as superd
// starts every service.
func startSession(t *testing.T, service, script string, lines int, env ...string) *group {
	t.Helper()
	return startGroupAttr(t, &syscall.SysProcAttr{Setsid: true}, service, script, lines, env...)
}

// startGroupAttr is startGroup with the leader started with attr.
func startGroupAttr(t *testing.T, attr *syscall.SysProcAttr, service, script string, lines int, env ...string) *group {
	t.Helper()
	cmd := exec.Command("sh", "-c", script)
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = attr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	g := &group{cmd: cmd}
	t.Cleanup(g.cleanup)
	pid := cmd.Process.Pid
	start, err := process.ProcStartTime(pid)
	if err != nil {
		t.Fatal(err)
	}
	g.rec = Record{Service: service, PID: pid, PGID: pid, StartTime: start}
	r := bufio.NewReader(out)
	for range lines {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("read from %q: %v", script, err)
		}
		if member, err := strconv.Atoi(strings.TrimSpace(line)); err == nil {
			g.members = append(g.members, member)
		}
	}
	return g
}

// cleanup kills what is left of the group and reaps it.
func (g *group) cleanup() {
	if g.cmd.ProcessState == nil {
		// The leader is not reaped: its pid, hence the group, is still ours.
		_ = process.SignalGroup(g.rec.PGID, "SIGKILL")
		_ = g.cmd.Wait()
	}
	for _, pid := range g.members {
		// Once the leader is gone, live members are reparented to this
		// process (a subreaper, see TestMain).
		if parentOf(pid) == os.Getpid() {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			_, _ = syscall.Wait4(pid, nil, 0, nil)
		}
	}
}

// leaderStatus waits for the leader to terminate and returns its status.
func (g *group) leaderStatus(t *testing.T) syscall.WaitStatus {
	t.Helper()
	waitFor(t, "leader to exit", func() bool { return exited(g.rec.PID) })
	err := g.cmd.Wait()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("wait for leader: %v", err)
	}
	return g.cmd.ProcessState.Sys().(syscall.WaitStatus)
}

// memberStatus waits for member i to terminate, reaps it and returns its
// status. The leader must have exited before the member, so that the member
// is a child of this process.
func (g *group) memberStatus(t *testing.T, i int) syscall.WaitStatus {
	t.Helper()
	pid := g.members[i]
	waitFor(t, "member to exit", func() bool { return exited(pid) })
	var ws syscall.WaitStatus
	if _, err := syscall.Wait4(pid, &ws, 0, nil); err != nil {
		t.Fatalf("reap member %d: %v", pid, err)
	}
	return ws
}

// alive reports whether pid runs and is not a zombie.
func alive(pid int) bool { return !exited(pid) }

// exited reports whether pid no longer exists or is a zombie.
func exited(pid int) bool {
	info, err := inspect(pid)
	return errors.Is(err, fs.ErrNotExist) || err == nil && info.exited()
}

// waitFor polls cond until it holds, failing the test after the deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(deadline)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// stateOf returns a state of the current boot holding rs.
func stateOf(t *testing.T, rs ...Record) State {
	return State{Processes: rs, BootID: currentBootID(t)}
}

// wantSignal fails the test unless ws is a death by sig.
func wantSignal(t *testing.T, who string, ws syscall.WaitStatus, sig syscall.Signal) {
	t.Helper()
	if !ws.Signaled() || ws.Signal() != sig {
		t.Errorf("%s: status %#x, want killed by %v", who, ws, sig)
	}
}

// TestKillStaleTerminatesGroup: SIGTERM is enough for a group left running,
// and for one left suspended (SIGSTOP), which KillStale continues (SIGCONT,
// as a stop does) instead of waiting out the grace period and killing it.
func TestKillStaleTerminatesGroup(t *testing.T) {
	for _, suspended := range []bool{false, true} {
		t.Run(map[bool]string{false: "running", true: "suspended"}[suspended], func(t *testing.T) {
			testKillStaleTerminatesGroup(t, suspended)
		})
	}
}

func testKillStaleTerminatesGroup(t *testing.T, suspended bool) {
	g := startGroup(t, "web", `sh -c 'echo $$; exec sleep 60' & wait`, 1)
	if suspended {
		if err := process.SignalGroup(g.rec.PGID, "SIGSTOP"); err != nil {
			t.Fatal(err)
		}
	}
	begin := time.Now()
	killed := KillStale(t.Context(), stateOf(t, g.rec), termAfter(deadline), testLogger(t))
	if elapsed := time.Since(begin); elapsed > deadline/2 {
		t.Errorf("KillStale took %v; SIGTERM should have been enough", elapsed)
	}
	if !reflect.DeepEqual(killed, []Record{g.rec}) {
		t.Errorf("killed %+v, want [%+v]", killed, g.rec)
	}
	wantSignal(t, "leader", g.leaderStatus(t), syscall.SIGTERM)
	waitFor(t, "member to exit", func() bool { return exited(g.members[0]) })
}

func TestKillStaleKillsAfterGrace(t *testing.T) {
	const grace = 300 * time.Millisecond
	// Leaders and members ignore SIGTERM.
	const script = `trap '' TERM; sh -c 'echo $$; exec sleep 60' & wait`
	g1 := startGroup(t, "web", script, 1)
	g2 := startGroup(t, "db", script, 1)
	begin := time.Now()
	killed := KillStale(t.Context(), stateOf(t, g1.rec, g2.rec), termAfter(grace), testLogger(t))
	if elapsed := time.Since(begin); elapsed < grace {
		t.Errorf("KillStale returned after %v, before the grace period of %v", elapsed, grace)
	}
	if !reflect.DeepEqual(killed, []Record{g1.rec, g2.rec}) {
		t.Errorf("killed %+v, want [%+v %+v]", killed, g1.rec, g2.rec)
	}
	for _, g := range []*group{g1, g2} {
		wantSignal(t, g.rec.Service+" leader", g.leaderStatus(t), syscall.SIGKILL)
		// Not reaped here: the leader may have reaped it before dying.
		waitFor(t, "member to exit", func() bool { return exited(g.members[0]) })
	}
}

// TestKillStaleKillsMembersIgnoringTERM checks that the group gets SIGKILL
// even when its leader exited on SIGTERM.
func TestKillStaleKillsMembersIgnoringTERM(t *testing.T) {
	g := startGroup(t, "web", `sh -c 'trap "" TERM; echo $$; exec sleep 60' & wait`, 1)
	killed := KillStale(t.Context(), stateOf(t, g.rec), termAfter(deadline), testLogger(t))
	if !reflect.DeepEqual(killed, []Record{g.rec}) {
		t.Errorf("killed %+v, want [%+v]", killed, g.rec)
	}
	wantSignal(t, "leader", g.leaderStatus(t), syscall.SIGTERM)
	wantSignal(t, "member", g.memberStatus(t, 0), syscall.SIGKILL)
}

// TestKillStaleZombieLeader checks that a group whose leader exited but is
// not reaped yet is still killed: the zombie proves the group's identity.
func TestKillStaleZombieLeader(t *testing.T) {
	g := startGroup(t, "web", `sh -c 'echo $$; exec sleep 60' &`, 1)
	waitFor(t, "leader to become a zombie", func() bool { return exited(g.rec.PID) })
	killed := KillStale(t.Context(), stateOf(t, g.rec), termAfter(deadline), testLogger(t))
	if !reflect.DeepEqual(killed, []Record{g.rec}) {
		t.Errorf("killed %+v, want [%+v]", killed, g.rec)
	}
	if ws := g.leaderStatus(t); !ws.Exited() || ws.ExitStatus() != 0 {
		t.Errorf("leader: status %#x, want exit 0", ws)
	}
	wantSignal(t, "member", g.memberStatus(t, 0), syscall.SIGTERM)
}

// A done context (superd asked to stop while it starts) cuts the grace
// short, not the wait for what SIGKILL ends: KillStale returned as soon as
// it had sent SIGKILL, and superd exited while the processes it had killed
// were still there.
func TestKillStaleContextDone(t *testing.T) {
	g := startGroup(t, "web", `trap '' TERM; echo ready; exec sleep 60`, 1)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	begin := time.Now()
	killed := KillStale(ctx, stateOf(t, g.rec), termAfter(time.Hour), testLogger(t))
	if elapsed := time.Since(begin); elapsed > deadline {
		t.Errorf("KillStale took %v with a done context", elapsed)
	}
	if !exited(g.rec.PID) {
		t.Error("KillStale returned before the process it killed was gone")
	}
	if !reflect.DeepEqual(killed, []Record{g.rec}) {
		t.Errorf("killed %+v, want [%+v]", killed, g.rec)
	}
	wantSignal(t, "leader", g.leaderStatus(t), syscall.SIGKILL)
}

func TestKillStaleLeavesOthersAlone(t *testing.T) {
	a := startGroup(t, "a", `echo ready; exec sleep 60`, 1)
	b := startGroup(t, "b", `echo ready; exec sleep 60`, 1)
	init1, err := inspect(1)
	if err != nil {
		t.Fatal(err)
	}
	withStart := func(r Record, start uint64) Record { r.StartTime = start; return r }
	withPGID := func(r Record, pgid int) Record { r.PGID = pgid; return r }
	for name, st := range map[string]State{
		"reused pid":       stateOf(t, withStart(a.rec, a.rec.StartTime+1)),
		"no start time":    stateOf(t, withStart(a.rec, 0)),
		"other group":      stateOf(t, withPGID(a.rec, b.rec.PGID)),
		"init":             stateOf(t, Record{Service: "init", PID: 1, PGID: 1, StartTime: init1.startTime}),
		"no service":       stateOf(t, withStart(Record{PID: a.rec.PID, PGID: a.rec.PGID}, a.rec.StartTime)),
		"other boot":       {Processes: []Record{a.rec}, BootID: "3f1c5e0a-0000-4000-8000-000000000000"},
		"unknown boot":     {Processes: []Record{a.rec}},
		"empty":            stateOf(t),
		"nonexistent pid":  stateOf(t, Record{Service: "x", PID: 1 << 30, PGID: 1 << 30, StartTime: 1}),
		"negative process": stateOf(t, Record{Service: "x", PID: -a.rec.PID, PGID: -a.rec.PGID, StartTime: a.rec.StartTime}),
	} {
		t.Run(name, func(t *testing.T) {
			if killed := KillStale(t.Context(), st, termAfter(deadline), testLogger(t)); killed != nil {
				t.Errorf("killed %+v", killed)
			}
			if !alive(a.rec.PID) || !alive(b.rec.PID) {
				t.Fatalf("a process was killed: a alive=%v, b alive=%v", alive(a.rec.PID), alive(b.rec.PID))
			}
		})
	}
}

func TestKillStaleDeadProcess(t *testing.T) {
	g := startGroup(t, "web", `exit 0`, 0)
	if ws := g.leaderStatus(t); !ws.Exited() {
		t.Fatalf("status %#x, want an exit", ws)
	}
	if killed := KillStale(t.Context(), stateOf(t, g.rec), termAfter(deadline), testLogger(t)); killed != nil {
		t.Errorf("killed %+v", killed)
	}
}

func TestInspect(t *testing.T) {
	pid := os.Getpid()
	info, err := inspect(pid)
	if err != nil {
		t.Fatal(err)
	}
	start, err := process.ProcStartTime(pid)
	if err != nil {
		t.Fatal(err)
	}
	if info.startTime != start || info.pgid != syscall.Getpgrp() || info.ppid != os.Getppid() || info.exited() {
		t.Errorf("inspect(self) = %+v, want start time %d, parent %d, pgid %d, a live state",
			info, start, os.Getppid(), syscall.Getpgrp())
	}
	if _, err := inspect(1 << 30); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("inspect(nonexistent) error = %v, want fs.ErrNotExist", err)
	}
}

func TestParseStat(t *testing.T) {
	tail := " 17 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 812345 1000 10 18446744073709551615"
	for _, tc := range []struct {
		line string
		want procInfo
		ok   bool
	}{
		{"4243 (sleep) S" + tail, procInfo{state: 'S', ppid: 17, pgid: 4242, sid: 4242, startTime: 812345}, true},
		{"4243 (a) (b) c)) Z" + tail, procInfo{state: 'Z', ppid: 17, pgid: 4242, sid: 4242, startTime: 812345}, true},
		{"4243 (x\ny) R" + tail, procInfo{state: 'R', ppid: 17, pgid: 4242, sid: 4242, startTime: 812345}, true},
		{"4243 sleep S" + tail, procInfo{}, false},
		{"4243 (sleep) S 1 4242", procInfo{}, false},
		{"4243 (sleep) SS" + tail, procInfo{}, false},
		{"4243 (sleep) S 1 x 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 812345", procInfo{}, false},
		{"4243 (sleep) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 -5", procInfo{}, false},
	} {
		got, err := parseStat([]byte(tc.line))
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseStat(%q) = %+v, %v; want %+v, ok=%v", tc.line, got, err, tc.want, tc.ok)
		}
	}
}

func TestBootID(t *testing.T) {
	id, err := bootID()
	if err != nil {
		t.Fatal(err)
	}
	if len(id) != 36 || strings.TrimSpace(id) != id {
		t.Errorf("boot id %q, want a UUID", id)
	}
	if again, _ := bootID(); again != id {
		t.Errorf("boot id changed from %q to %q", id, again)
	}
}

// markerTest is the marker id of the marker tests: unique to this test
// process, so that a KillStale of one run of the tests never finds (and
// kills) the marked processes of another run on the same machine.
var markerTest = "TESTMARKER" + strconv.Itoa(os.Getpid())

// markerEnv returns the MarkerEnv entry for service under markerTest.
func markerEnv(service string) string { return MarkerEnv + "=" + markerValue(markerTest, service) }

// TestKillStaleLeaderlessGroup checks that a group whose leader is gone is
// killed when a member carries the marker, including members that do not.
func TestKillStaleLeaderlessGroup(t *testing.T) {
	g := startGroup(t, "web",
		`env -u `+MarkerEnv+` sh -c 'echo $$; exec sleep 60' & sh -c 'echo $$; exec sleep 60' &`,
		2, markerEnv("web"))
	if ws := g.leaderStatus(t); !ws.Exited() {
		t.Fatalf("leader: status %#x, want an exit", ws)
	}
	st := stateOf(t, g.rec)
	st.Marker = markerTest
	killed := KillStale(t.Context(), st, termAfter(deadline), testLogger(t))
	if !reflect.DeepEqual(killed, []Record{g.rec}) {
		t.Errorf("killed %+v, want [%+v]", killed, g.rec)
	}
	for i := range g.members {
		wantSignal(t, "member "+strconv.Itoa(i), g.memberStatus(t, i), syscall.SIGTERM)
	}
}

// TestKillStaleMarkedProcesses checks that marked processes are killed
// whatever their group, and only with the marker of the state.
func TestKillStaleMarkedProcesses(t *testing.T) {
	if _, err := exec.LookPath("setsid"); err != nil {
		t.Skip("no setsid command")
	}
	// A marked leader with a member that left the group for a new session.
	escaped := startGroup(t, "web", `setsid sh -c 'echo $$; exec sleep 60' & wait`, 1, markerEnv("web"))
	// A marked leader recorded in a state file of another boot.
	oldBoot := startGroup(t, "db", `echo ready; exec sleep 60`, 1, markerEnv("db"))
	// Processes of another superd, or of none.
	other := startGroup(t, "web", `echo ready; exec sleep 60`, 1, MarkerEnv+"=OTHER:web")
	unmarked := startGroup(t, "web", `echo ready; exec sleep 60`, 1)

	st := State{Processes: []Record{oldBoot.rec}, Marker: markerTest, BootID: "3f1c5e0a-0000-4000-8000-000000000000"}
	killed := KillStale(t.Context(), st, termAfter(deadline), testLogger(t))
	member := escaped.members[0]
	info, err := inspect(member)
	if err != nil {
		t.Fatal(err)
	}
	want := []Record{
		escaped.rec,
		{Service: "web", PID: member, PGID: member, StartTime: info.startTime},
		oldBoot.rec,
	}
	// Marked processes are found in the order of /proc.
	slices.SortFunc(want, func(a, b Record) int { return strings.Compare(strconv.Itoa(a.PID), strconv.Itoa(b.PID)) })
	if !reflect.DeepEqual(killed, want) {
		t.Errorf("killed %+v, want %+v", killed, want)
	}
	if !alive(other.rec.PID) || !alive(unmarked.rec.PID) {
		t.Errorf("a process without the marker was killed")
	}
	wantSignal(t, "marked leader", escaped.leaderStatus(t), syscall.SIGTERM)
	waitFor(t, "marked process that left its group to exit", func() bool { return exited(member) })
	wantSignal(t, "marked leader from another boot", oldBoot.leaderStatus(t), syscall.SIGTERM)
}

func TestAncestry(t *testing.T) {
	a := ancestry()
	if !a[os.Getpid()] || !a[os.Getppid()] || len(a) < 2 {
		t.Errorf("ancestry() = %v, want this process, its parent and their ancestors", a)
	}
}
