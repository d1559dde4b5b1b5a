package main

import (
	"context"
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	cmap "github.com/orcaman/concurrent-map"
)

// TestTuneRuntime checks superd's process-wide memory settings: one shard
// per registry bucket, and GOGC 50 unless the environment sets GOGC.
func TestTuneRuntime(t *testing.T) {
	shards, rate := cmap.SHARD_COUNT, runtime.MemProfileRate
	prev := debug.SetGCPercent(100)
	t.Cleanup(func() {
		cmap.SHARD_COUNT, runtime.MemProfileRate = shards, rate
		debug.SetGCPercent(prev)
	})

	env := map[string]string{}
	tuneRuntime(func(k string) string { return env[k] })
	if cmap.SHARD_COUNT != 1 {
		t.Errorf("cmap.SHARD_COUNT = %d, want 1", cmap.SHARD_COUNT)
	}
	if runtime.MemProfileRate != 0 {
		t.Errorf("runtime.MemProfileRate = %d, want 0", runtime.MemProfileRate)
	}
	if got := debug.SetGCPercent(100); got != gcPercent {
		t.Errorf("GC percent = %d without GOGC, want %d", got, gcPercent)
	}

	env["GOGC"] = "200"
	tuneRuntime(func(k string) string { return env[k] })
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GC percent = %d with GOGC set, want it left alone (100)", got)
	}
}

// TestTuneRuntimeCapsProcs: superd runs on at most maxProcs Ps, whatever
// the number of CPUs, unless GOMAXPROCS is set; a smaller default stays.
func TestTuneRuntimeCapsProcs(t *testing.T) {
	shards, rate, procs := cmap.SHARD_COUNT, runtime.MemProfileRate, runtime.GOMAXPROCS(0)
	prev := debug.SetGCPercent(100)
	t.Cleanup(func() {
		cmap.SHARD_COUNT, runtime.MemProfileRate = shards, rate
		debug.SetGCPercent(prev)
		runtime.GOMAXPROCS(procs)
	})
	for _, tt := range []struct {
		before int
		env    string
		want   int
	}{
		{before: 4 * maxProcs, want: maxProcs},
		{before: maxProcs + 1, want: maxProcs},
		{before: 1, want: 1},
		{before: 4 * maxProcs, env: "16", want: 4 * maxProcs},
	} {
		runtime.GOMAXPROCS(tt.before)
		tuneRuntime(func(k string) string {
			if k == "GOMAXPROCS" {
				return tt.env
			}
			return ""
		})
		if got := runtime.GOMAXPROCS(0); got != tt.want {
			t.Errorf("GOMAXPROCS %d before, %q in the environment: %d after, want %d", tt.before, tt.env, got, tt.want)
		}
	}
}

// TestReleaseStartupMemory checks that releaseStartupMemory returns once
// superd is ready, and when superd stops before that.
func TestReleaseStartupMemory(t *testing.T) {
	ready := make(chan struct{})
	close(ready)
	returns(t, "ready", func() { releaseStartupMemory(context.Background(), ready) })

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	returns(t, "canceled", func() { releaseStartupMemory(ctx, make(chan struct{})) })
}

// returns fails the test if f does not return within 10 s.
func returns(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: did not return", what)
	}
}
