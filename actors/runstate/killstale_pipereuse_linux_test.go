//go:build linux

package runstate

import (
	"os"
	"os/exec"
	"slices"
	"syscall"
	"testing"

	"github.com/supers-dev/supers/actors/process"
)

// goneLeader is the pid and process group of records whose leader and
// group are gone: beyond the default pid_max, and never a live process in
// these tests (checked).
const goneLeader = 4000000

// pipeHolder starts sleep in a session of its own, with stdout and, if
// stderr is true, stderr on new pipes, as an unrelated process may hold
// pipes numbered as a crashed superd's service's were (the kernel's
// counter wrapped). It returns the process and the inode numbers of its
// pipes; the process is killed and reaped when the test ends.
func pipeHolder(t *testing.T, stderr bool) (*exec.Cmd, []uint64) {
	t.Helper()
	cmd := exec.Command("/bin/sleep", "60")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	var ids []uint64
	newPipe := func() *os.File {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = r.Close() })
		ids = append(ids, process.PipeID(w))
		return w
	}
	cmd.Stdout = newPipe()
	if stderr {
		cmd.Stderr = newPipe()
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	if slices.Contains(ids, 0) {
		t.Fatal("no inode number for a pipe")
	}
	waitFor(t, "sleep to hold its pipes", func() bool {
		held := outputPipes(cmd.Process.Pid)
		return len(held) > 0 && held[0] == ids[0] && (!stderr || slices.Equal(held, ids))
	})
	if alive(goneLeader) {
		t.Skipf("a process %d runs", goneLeader)
	}
	return cmd, ids
}

// victimOf reports whether pid, or its group, is among victims.
func victimOf(victims []victim, pid int) bool {
	return slices.ContainsFunc(victims, func(v victim) bool { return v.rec.PID == pid || v.rec.PGID == pid })
}

// TestKillStaleSparesAnUnrelatedHolderOfARecordedPipeNumber: a stale
// record (its leader and group long gone) names a pipe whose inode number
// an unrelated process's stdout pipe now has (the kernel's 32-bit counter
// wrapped around). That process, out of the recorded group, leading a
// session of its own, is not the service's: the number of one pipe does
// not prove a process out of its group, nor its whole group with it. Nor
// does holding one of the record's two pipes, or both if it started
// before the recorded leader.
func TestKillStaleSparesAnUnrelatedHolderOfARecordedPipeNumber(t *testing.T) {
	t.Run("one pipe recorded", func(t *testing.T) {
		cmd, ids := pipeHolder(t, false)
		rec := Record{Service: "web", PID: goneLeader, PGID: goneLeader, StartTime: 1, Pipes: ids}
		if victims := findVictims(stateOf(t, rec), testLogger(t)); victimOf(victims, cmd.Process.Pid) {
			t.Errorf("victims %+v: the unrelated process %d (its own group, not the record's) is one", victims, cmd.Process.Pid)
		}
	})
	t.Run("one of two pipes held", func(t *testing.T) {
		cmd, ids := pipeHolder(t, false)
		r, w, err := os.Pipe() // the record's stderr, which nobody else holds
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		defer w.Close()
		rec := Record{Service: "web", PID: goneLeader, PGID: goneLeader, StartTime: 1, Pipes: []uint64{ids[0], process.PipeID(w)}}
		if victims := findVictims(stateOf(t, rec), testLogger(t)); victimOf(victims, cmd.Process.Pid) {
			t.Errorf("victims %+v: the unrelated process %d, holding one of the two pipes, is one", victims, cmd.Process.Pid)
		}
	})
	t.Run("started before the leader", func(t *testing.T) {
		cmd, ids := pipeHolder(t, true)
		start, err := process.ProcStartTime(cmd.Process.Pid)
		if err != nil {
			t.Fatal(err)
		}
		rec := Record{Service: "web", PID: goneLeader, PGID: goneLeader, StartTime: start + 1, Pipes: ids}
		if victims := findVictims(stateOf(t, rec), testLogger(t)); victimOf(victims, cmd.Process.Pid) {
			t.Errorf("victims %+v: the process %d, started before the recorded leader, is one", victims, cmd.Process.Pid)
		}
		// Started with the leader or after it, holding both pipes: the
		// service's (a descendant of the leader that left its session).
		rec.StartTime = start
		if victims := findVictims(stateOf(t, rec), testLogger(t)); !victimOf(victims, cmd.Process.Pid) {
			t.Errorf("victims %+v: want the process %d, holding both pipes, started with the leader", victims, cmd.Process.Pid)
		}
	})
}

// TestKillStaleOnePipeProvesItsRecordedGroup: in the recorded group, a
// process that holds one of the service's two pipes (it pointed the other
// elsewhere) and cleared its environment proves the group, its leader gone,
// as before the pipes proved processes out of it.
func TestKillStaleOnePipeProvesItsRecordedGroup(t *testing.T) {
	cmd, ids := pipeHolder(t, false)
	r, w, err := os.Pipe() // the service's stderr, which the process closed
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	pid := cmd.Process.Pid
	// The recorded leader: pid, as if it were another process, long
	// gone, whose group the member is in (a number the kernel gave the
	// member's group too, which only its members can be in).
	rec := Record{Service: "web", PID: goneLeader, PGID: pid, StartTime: 1, Pipes: []uint64{ids[0], process.PipeID(w)}}
	victims := findVictims(stateOf(t, rec), testLogger(t))
	if !slices.ContainsFunc(victims, func(v victim) bool {
		return v.group && v.rec.PGID == pid && slices.ContainsFunc(v.watch, func(ref procRef) bool { return ref.pid == pid })
	}) {
		t.Errorf("victims %+v: want the recorded group %d, proved by its member holding one pipe", victims, pid)
	}
}
