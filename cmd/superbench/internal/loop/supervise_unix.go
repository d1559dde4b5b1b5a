//go:build unix

package main

import (
	"errors"
	"os"
	"os/exec"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// supervise starts one copy of argv per element of outs (its stdout and
// stderr) and restarts each as soon as it exits, until SIGTERM or SIGINT;
// then it stops them and returns once none is left.
func supervise(argv []string, outs []*os.File) error {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(sigs)

	var (
		mu       sync.Mutex
		slots    = make(map[int]int, len(outs)) // pid → copy
		stopping bool
	)
	// start forks copy i; mu is held.
	start := func(i int) error {
		cmd := exec.Command(argv[0], argv[1:]...)
		if outs[i] != nil {
			cmd.Stdout, cmd.Stderr = outs[i], outs[i]
		}
		if err := cmd.Start(); err != nil {
			return err
		}
		slots[cmd.Process.Pid] = i
		// The reaper below waits with wait4(-1): drop what Go keeps
		// to wait for this one child.
		return cmd.Process.Release()
	}
	mu.Lock()
	for i := range outs {
		if err := start(i); err != nil {
			mu.Unlock()
			stopAll(&mu, slots, &stopping)
			reapAll(&mu, slots)
			return err
		}
	}
	mu.Unlock()

	done := make(chan struct{})
	defer close(done)
	go func() { // owned by supervise: ends with it
		select {
		case <-sigs:
		case <-done:
			return
		}
		stopAll(&mu, slots, &stopping)
		select {
		case <-time.After(5 * time.Second):
			mu.Lock()
			for pid := range slots {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
			mu.Unlock()
		case <-done:
		}
	}()

	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, 0, nil)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if errors.Is(err, syscall.ECHILD) {
			return nil
		}
		if err != nil {
			return err
		}
		mu.Lock()
		i, ok := slots[pid]
		delete(slots, pid)
		if ok && !stopping {
			if err := start(i); err != nil {
				mu.Unlock()
				stopAll(&mu, slots, &stopping)
				reapAll(&mu, slots)
				return err
			}
		}
		mu.Unlock()
	}
}

// stopAll sends SIGTERM to every copy and prevents restarts.
func stopAll(mu *sync.Mutex, slots map[int]int, stopping *bool) {
	mu.Lock()
	defer mu.Unlock()
	*stopping = true
	for pid := range slots {
		_ = syscall.Kill(pid, syscall.SIGTERM)
	}
}

// reapAll waits for every child.
func reapAll(mu *sync.Mutex, slots map[int]int) {
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, 0, nil)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			return
		}
		mu.Lock()
		delete(slots, pid)
		mu.Unlock()
	}
}
