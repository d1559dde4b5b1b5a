//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// reaper keeps track of every process superbench starts, so that none is
// left behind. superbench makes itself a child subreaper: a descendant
// whose parent dies (runsv once runsvdir has exited, PM2's daemon once its
// CLI has) is re-parented to superbench instead of init, so that "all the
// processes superbench started" is exactly "its descendants", which sweep
// kills at the end, by PID.
//
// The children superbench starts through exec.Cmd are waited for by their
// Cmd; the orphans re-parented to it are reaped by reapOrphans, which
// leaves the former alone.
type reaper struct {
	self  int
	mu    sync.Mutex
	owned map[int]bool // PIDs an exec.Cmd will wait for
}

// newReaper makes the calling process a child subreaper.
func newReaper() (*reaper, error) {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return nil, fmt.Errorf("becoming a child subreaper: %w", err)
	}
	return &reaper{self: os.Getpid(), owned: make(map[int]bool)}, nil
}

// start starts cmd; the caller must call wait.
func (r *reaper) start(cmd *exec.Cmd) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := cmd.Start(); err != nil {
		return err
	}
	r.owned[cmd.Process.Pid] = true
	return nil
}

// wait waits for cmd, started by start.
func (r *reaper) wait(cmd *exec.Cmd) error {
	err := cmd.Wait()
	r.mu.Lock()
	delete(r.owned, cmd.Process.Pid)
	r.mu.Unlock()
	return err
}

// reapOrphans reaps the zombies re-parented to superbench.
func (r *reaper) reapOrphans() error {
	s, err := takeSnapshot()
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for pid, st := range s {
		if st.ppid != r.self || st.state != 'Z' || r.owned[pid] {
			continue
		}
		var ws unix.WaitStatus
		if _, err := unix.Wait4(pid, &ws, unix.WNOHANG, nil); err != nil && !errors.Is(err, unix.ECHILD) {
			return fmt.Errorf("reaping %d: %w", pid, err)
		}
	}
	return nil
}

// waitGone waits until none of procs exists any more (reaping those that
// are superbench's orphans), or until ctx is done.
func (r *reaper) waitGone(ctx context.Context, procs []procStat) error {
	for {
		if err := r.reapOrphans(); err != nil {
			return err
		}
		left := 0
		for _, st := range procs {
			if exists(st) {
				left++
			}
		}
		if left == 0 {
			return nil
		}
		if err := sleep(ctx, 10*time.Millisecond); err != nil {
			return fmt.Errorf("%d process(es) still there: %w", left, err)
		}
	}
}

// killTree sends SIGKILL to each of procs that is still the same process.
func killTree(procs []procStat) {
	for _, st := range procs {
		if alive(st) {
			_ = unix.Kill(st.pid, unix.SIGKILL)
		}
	}
}

// exists reports whether st is still there, zombie or not.
func exists(st procStat) bool {
	now, err := readStat(st.pid)
	return err == nil && now.start == st.start
}

// sweep kills every descendant of superbench, by PID, and waits until they
// are gone. It is the last line of defence; each benchmark already stops
// what it started.
func (r *reaper) sweep(timeout time.Duration) (killed int, err error) {
	deadline := time.Now().Add(timeout)
	seen := make(map[procStat]bool)
	for {
		s, err := takeSnapshot()
		if err != nil {
			return len(seen), err
		}
		left := s.descendants(r.self)[1:]
		if len(left) == 0 {
			return len(seen), nil
		}
		for _, st := range left {
			if st.state != 'Z' {
				_ = unix.Kill(st.pid, unix.SIGKILL)
				seen[procStat{pid: st.pid, start: st.start}] = true
			}
		}
		if err := r.reapOrphans(); err != nil {
			return len(seen), err
		}
		if time.Now().After(deadline) {
			return len(seen), fmt.Errorf("%d process(es) left after %v", len(left), timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
