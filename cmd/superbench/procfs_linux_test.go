//go:build linux

package main

import (
	"os"
	"os/exec"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// TestCPUTimeThreadChurn checks that cpuTime only grows, in nanoseconds,
// while the process's threads come and go: a thread that ends between two
// readings keeps counting in the second.
func TestCPUTimeThreadChurn(t *testing.T) {
	var ended atomic.Int64 // threads that have run and ended
	stop, stopped := make(chan struct{}), make(chan struct{})
	defer func() { close(stop); <-stopped }()
	go func() {
		defer close(stopped)
		for {
			select {
			case <-stop:
				return
			default:
			}
			done := make(chan struct{})
			go func() {
				// Never unlocked: the thread ends with the goroutine.
				runtime.LockOSThread()
				for deadline := time.Now().Add(100 * time.Microsecond); time.Now().Before(deadline); {
				}
				close(done)
			}()
			<-done
			ended.Add(1)
		}
	}()
	var prev time.Duration
	ticks, backwards := 0, 0
	// At least 2000 readings, while at least 200 threads end.
	readings := 0
	for deadline := time.Now().Add(time.Minute); readings < 2000 || ended.Load() < 200; readings++ {
		if time.Now().After(deadline) {
			t.Fatalf("%d readings, %d threads ended in a minute", readings, ended.Load())
		}
		d, err := cpuTime(os.Getpid())
		if err != nil {
			t.Fatal(err)
		}
		if d%(10*time.Millisecond) == 0 { // a tick of utime and stime
			ticks++
		}
		if d < prev {
			backwards++
			t.Logf("reading went back from %v to %v", prev, d)
		}
		prev = d
	}
	if backwards > 0 {
		t.Errorf("%d of %d readings went backwards", backwards, readings)
	}
	// A nanosecond count is a whole number of 10 ms ticks by chance only.
	if ticks > readings/100 {
		t.Errorf("%d of %d readings were whole clock ticks", ticks, readings)
	}
}

// TestCPUTimeOtherProcess checks that cpuTime reads another process's CPU
// time, and fails for a process that is gone.
func TestCPUTimeOtherProcess(t *testing.T) {
	cmd := exec.Command("/bin/sh", "-c", "while :; do :; done")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	for deadline := time.Now().Add(10 * time.Second); ; {
		d, err := cpuTime(pid)
		if err != nil {
			t.Fatalf("cpuTime of a busy child: %v", err)
		}
		if d >= 20*time.Millisecond {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("cpuTime of a busy child: %v after 10 s", d)
		}
		time.Sleep(time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if d, err := cpuTime(pid); err == nil {
		t.Errorf("cpuTime of a reaped process: %v, want an error", d)
	}
}
