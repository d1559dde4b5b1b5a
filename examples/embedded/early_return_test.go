//go:build linux

package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
// when it gives up early (here: its context is already canceled, so the
// first query fails while the services have just been started).
func TestEmbeddedExampleEarlyReturnStopsAll(t *testing.T) {
	for range 5 {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_ = run(ctx, io.Discard, t.TempDir()) // an error, or nil if Run ended first
		if pids := children(t); len(pids) > 0 {
			t.Fatalf("processes %v still run after run returned", pids)
		}
	}
}
