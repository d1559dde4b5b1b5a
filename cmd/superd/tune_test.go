package main

import (
	"runtime/debug"
	"testing"

	cmap "github.com/orcaman/concurrent-map"
)

// TestTuneRuntime checks superd's process-wide memory settings: one shard
// per registry bucket, and GOGC 50 unless the environment sets GOGC.
func TestTuneRuntime(t *testing.T) {
	shards := cmap.SHARD_COUNT
	prev := debug.SetGCPercent(100)
	t.Cleanup(func() {
		cmap.SHARD_COUNT = shards
		debug.SetGCPercent(prev)
	})

	env := map[string]string{}
	tuneRuntime(func(k string) string { return env[k] })
	if cmap.SHARD_COUNT != 1 {
		t.Errorf("cmap.SHARD_COUNT = %d, want 1", cmap.SHARD_COUNT)
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
