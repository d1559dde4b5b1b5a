//go:build linux

package process

import (
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// GroupUsage counts the live processes of a group, their resident memory
// and their CPU time, and leaves out other groups.
func TestGroupUsage(t *testing.T) {
	// Two processes in a group of their own: a shell whose child burns
	// CPU for a while (0.3 s here) and ends, then that shell execs a sleep,
	// whose own CPU time is nil: what its child used counts; and a sleep
	// that joins its group.
	cmd := exec.Command("/bin/sh", "-c", "(i=0; while [ $i -lt 400000 ]; do i=$((i+1)); done); exec sleep 600")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pgid := cmd.Process.Pid
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	other := exec.Command("/bin/sleep", "600")
	other.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pgid: pgid}
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = other.Process.Kill()
		_ = other.Wait()
	})
	var u Usage
	deadline := time.Now().Add(20 * time.Second)
	for {
		got, err := GroupUsage([]int{pgid, 0, -1})
		if err != nil {
			t.Fatal(err)
		}
		u = got[pgid]
		if u.Processes == 2 && u.CPU >= 50*time.Millisecond && len(got) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("usage %+v (of %d groups), want 2 processes that used 50 ms of CPU or more through a child, one group", u, len(got))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if u.RSS < 64<<10 {
		t.Errorf("RSS %d bytes for a shell and a sleep, want more", u.RSS)
	}
	if got, err := GroupUsage(nil); err != nil || len(got) != 0 {
		t.Errorf("GroupUsage(nil) = %v, %v", got, err)
	}
}

// parseStat reads the fields after the command name, whatever it holds.
func TestParseStat(t *testing.T) {
	line := "42 (a) b) (c) S 1 42 42 0 -1 4194560 100 0 0 0 7 3 5 2 20 0 1 0 500 1000000 250 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n"
	st, ok := parseStat([]byte(line))
	if !ok || st.pgrp != 42 || st.utime != 7 || st.stime != 3 || st.cutime != 5 || st.cstime != 2 || st.rss != 250 || st.zombie {
		t.Errorf("parseStat = %+v, %v", st, ok)
	}
	// 64 threads busy for 34 days, at 100 Hz: 1.88e10 ticks, whose
	// product with a second's nanoseconds would overflow.
	if got, want := ticks(18800640000, 100), 188006400*time.Second; got != want {
		t.Errorf("ticks = %v, want %v", got, want)
	}
	if _, ok := parseStat([]byte("42 (x) Z 1")); ok {
		t.Error("a short line parsed")
	}
}
