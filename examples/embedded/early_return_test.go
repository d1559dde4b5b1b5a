//go:build linux

package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// children returns the pids of this process's live children (of any of
// its threads: the supervisor forks from a thread of its own).
func children(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("/proc/self/task/*/children")
	if err != nil {
		t.Fatal(err)
	}
	var pids []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // the thread is gone
		}
		pids = append(pids, strings.Fields(string(b))...)
	}
	return pids
}

// run returns only once the supervisor has stopped every service, even
// when it gives up early: its context is canceled as soon as hello has
// written its greeting (the services run, Run is ready or about to be),
// so that one of run's calls after Ready fails. It used to be canceled
// before run was called, which Run now answers without starting any
// service: the test passed even with a run that did not wait for Run.
func TestEmbeddedExampleEarlyReturnStopsAll(t *testing.T) {
	early := 0
	for i := 0; i < 20 && early < 3; i++ {
		dir := t.TempDir()
		ctx, cancel := context.WithCancel(context.Background())
		watched := make(chan struct{})
		go func() {
			defer close(watched)
			greeting := filepath.Join(dir, "hello", "stdout.log")
			for deadline := time.Now().Add(30 * time.Second); ctx.Err() == nil && time.Now().Before(deadline); {
				if fi, err := os.Stat(greeting); err == nil && fi.Size() > 0 {
					cancel()
					return
				}
				time.Sleep(time.Millisecond)
			}
		}()
		err := run(ctx, io.Discard, dir)
		cancel()
		<-watched
		if pids := children(t); len(pids) > 0 {
			t.Fatalf("processes %v still run after run returned (%v)", pids, err)
		}
		if err != nil {
			early++ // a call after Ready failed: run returned early
		}
	}
	if early == 0 {
		t.Fatal("run never returned early on a failed call after Ready: the test did not test that case")
	}
}
