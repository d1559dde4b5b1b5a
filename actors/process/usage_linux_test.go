//go:build linux

package process

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// ServiceUsage counts the live processes of a service, their resident
// memory and their CPU time: its main process's group, the descendants
// that left it, and this process's children marked as the service's (the
// orphans superd adopts); and leaves out the rest.
func TestServiceUsage(t *testing.T) {
	if _, err := exec.LookPath("setsid"); err != nil {
		t.Skip("no setsid program")
	}
	start := func(cmd *exec.Cmd) *exec.Cmd {
		t.Helper()
		if cmd.SysProcAttr == nil {
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		}
		return startUntilEnd(t, cmd)
	}
	// The main process, in a group of its own: a shell whose child burns
	// CPU for a while (0.3 s here) and ends, then that shell starts a
	// sleep in a session of its own and execs a sleep, whose own CPU time
	// is nil: what its child used counts.
	main := start(exec.Command("/bin/sh", "-c", "(i=0; while [ $i -lt 400000 ]; do i=$((i+1)); done); setsid sleep 602 & exec sleep 600"))
	pgid := main.Process.Pid
	// A sleep that joins its group.
	joiner := exec.Command("/bin/sleep", "601")
	joiner.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pgid: pgid}
	start(joiner)
	// A child of this process with the service's marker, and one without.
	const mark = "SUPERS_USAGE_TEST=svc"
	marked := exec.Command("/bin/sleep", "603")
	marked.Env = []string{mark}
	start(marked)
	unmarked := exec.Command("/bin/sleep", "604")
	unmarked.Env = []string{mark + "-other"}
	start(unmarked)

	// Once the main process is the sleep, its child in a session of its
	// own has been started: find it, to kill it at the end (it is this
	// process's to reap once the main process is gone: TestMain makes this
	// process a child subreaper).
	deadline := time.Now().Add(20 * time.Second)
	var kids []int
	for {
		comm, _ := os.ReadFile("/proc/" + strconv.Itoa(pgid) + "/comm")
		kids = readChildren("/proc/" + strconv.Itoa(pgid) + "/task/" + strconv.Itoa(pgid) + "/children")
		if string(comm) == "sleep\n" && len(kids) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the main process is %q with children %v, want a sleep with one child", comm, kids)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(kids[0], syscall.SIGKILL)
		_ = main.Process.Kill()
		_ = main.Wait()
		_, _ = syscall.Wait4(kids[0], nil, 0, nil)
	})

	m, err := NewManager(Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	var u Usage
	for {
		got, err := m.ServiceUsage(t.Context(), []UsageQuery{{PID: pgid, Marker: []byte(mark)}, {PID: 0}, {PID: -1}})
		if err != nil {
			t.Fatal(err)
		}
		u = got[pgid]
		if u.Processes == 4 && u.CPU >= 50*time.Millisecond && len(got) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("usage %+v (of %d services), want 4 processes that used 50 ms of CPU or more through a child, one service", u, len(got))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if u.RSS < 4*64<<10 {
		t.Errorf("RSS %d bytes for four sleeps, want more", u.RSS)
	}
	// Without the marker, the marked child is not the service's.
	if got, err := m.ServiceUsage(t.Context(), []UsageQuery{{PID: pgid}}); err != nil || got[pgid].Processes != 3 {
		t.Errorf("without the marker: %+v, %v; want 3 processes", got[pgid], err)
	}
	if got, err := m.ServiceUsage(t.Context(), nil); err != nil || len(got) != 0 {
		t.Errorf("ServiceUsage(nil) = %v, %v", got, err)
	}
}

// A child whose environment cannot be read in time (its memory-map lock
// held by a process stuck in the kernel, here a read that hangs) is
// counted for no service: the usage of the others is still given, once
// the probe gives up, and again at once while that read still hangs.
func TestServiceUsageWithoutAnAnswerFromAnEnvironment(t *testing.T) {
	const mark = "SUPERS_USAGE_TEST=hung"
	main, orphans := startService(t, mark, 1)
	marked := orphans[0]
	p := &probes{wait: 50 * time.Millisecond, hung: make(map[string]chan struct{})}
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	readEnviron := func(pid int) ([]byte, error) {
		return p.read("environ "+strconv.Itoa(pid), func() ([]byte, error) {
			if pid == marked.Process.Pid {
				<-release
			}
			return readEnvironFile(pid)
		})
	}
	for range 2 { // the second time, the hung read is not tried again
		done := make(chan struct{})
		var (
			got map[int]Usage
			err error
		)
		go func() {
			defer close(done)
			got, err = serviceUsage(t.Context(), []UsageQuery{{PID: main.Process.Pid, Marker: []byte(mark)}}, readEnviron)
		}()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Fatal("the usage waited for the hung read")
		}
		if err != nil || got[main.Process.Pid].Processes != 1 {
			t.Fatalf("usage %+v, %v; want the main process alone", got, err)
		}
	}

	// A Manager reads through its own probes: with the marked child's read
	// hung there, the child is not counted either.
	m, err := NewManager(Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	m.probes.mu.Lock()
	m.probes.hung["environ "+strconv.Itoa(marked.Process.Pid)] = make(chan struct{})
	m.probes.mu.Unlock()
	if got, err := m.ServiceUsage(t.Context(), []UsageQuery{{PID: main.Process.Pid, Marker: []byte(mark)}}); err != nil || got[main.Process.Pid].Processes != 1 {
		t.Fatalf("Manager's usage %+v, %v; want the main process alone", got, err)
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

// The orphans' environments are read together: orphans whose reads each
// wait for the others' are all counted.
func TestServiceUsageReadsOrphansTogether(t *testing.T) {
	const mark = "SUPERS_USAGE_TEST=together"
	main, orphans := startService(t, mark, 3)
	waiting := make(map[int]bool) // the orphans whose reads wait for each other
	for _, orphan := range orphans {
		waiting[orphan.Process.Pid] = true
	}
	var (
		mu       sync.Mutex
		inFlight int
		all      = make(chan struct{}) // closed once every waiting read is under way
	)
	deadline := make(chan struct{}) // closed once the reads waited too long
	timer := time.AfterFunc(20*time.Second, func() { close(deadline) })
	t.Cleanup(func() { timer.Stop() })
	readEnviron := func(pid int) ([]byte, error) {
		if !waiting[pid] {
			return readEnvironFile(pid)
		}
		mu.Lock()
		if inFlight++; inFlight == len(waiting) {
			close(all)
		}
		mu.Unlock()
		select {
		case <-all:
			return readEnvironFile(pid)
		case <-deadline:
			return nil, errors.New("read alone")
		}
	}
	got, err := serviceUsage(t.Context(), []UsageQuery{{PID: main.Process.Pid, Marker: []byte(mark)}}, readEnviron)
	if err != nil || got[main.Process.Pid].Processes != 1+len(waiting) {
		t.Fatalf("usage %+v, %v; want the main process and its %d orphans", got, err, len(waiting))
	}
}

// A read that does not end holds the usage only until its context ends.
func TestServiceUsageEndsWithItsContext(t *testing.T) {
	const mark = "SUPERS_USAGE_TEST=cancel"
	main, orphans := startService(t, mark, 1)
	orphan := orphans[0]
	started := make(chan struct{})
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	readEnviron := func(pid int) ([]byte, error) {
		if pid == orphan.Process.Pid {
			close(started)
			<-release
		}
		return readEnvironFile(pid)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := serviceUsage(ctx, []UsageQuery{{PID: main.Process.Pid, Marker: []byte(mark)}}, readEnviron)
		done <- err
	}()
	select {
	case <-started:
	case <-time.After(20 * time.Second):
		t.Fatal("the orphan's environment was not read")
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("usage ended with %v; want context.Canceled", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the usage outlived its context")
	}
}

// startUntilEnd starts cmd, which is killed and waited for when the test
// ends.
func startUntilEnd(t *testing.T, cmd *exec.Cmd) *exec.Cmd {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return cmd
}

// startService starts a service's main process, in a group of its own,
// and n orphans of it: children of the test (as the orphans superd adopts
// are superd's) whose environment is mark alone. All are killed and
// waited for when the test ends.
func startService(t *testing.T, mark string, n int) (main *exec.Cmd, orphans []*exec.Cmd) {
	t.Helper()
	main = exec.Command("/bin/sleep", "605")
	main.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	startUntilEnd(t, main)
	for range n {
		orphan := exec.Command("/bin/sleep", "606")
		orphan.Env = []string{mark}
		orphans = append(orphans, startUntilEnd(t, orphan))
	}
	return main, orphans
}
