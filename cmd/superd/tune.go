package main

import (
	"context"
	"runtime"
	"runtime/debug"

	cmap "github.com/orcaman/concurrent-map"
)

// gcPercent is superd's default GOGC. A supervisor is mostly idle and its
// live heap small and steady (about 8 KiB per service), so a tighter heap
// goal than Go's default 100 trades a little GC work during bursts (a
// thousand services starting) for less memory all the time: with 1000
// services, RSS drops by about 7 MiB. GOGC in the environment still wins.
const gcPercent = 50

// tuneRuntime applies superd's process-wide memory settings. It must run
// first in main, before anything allocates much and before the actor
// system exists:
//
//   - protoactor's process registry is 1024 buckets of orcaman's
//     concurrent-map, and every map is split into cmap.SHARD_COUNT (32)
//     shards: 32768 Go maps and locks, about 5.5 MiB of heap whatever the
//     number of actors. One shard per bucket keeps 1024-way lock striping,
//     far more than superd's few busy actors contend for, at 1/32 of the
//     memory. SHARD_COUNT is read both when a map is created and on every
//     access, so it can only be set while no map exists; that is why it is
//     set here, by the program, and not by the actors package, which other
//     programs embed.
//   - memory profiling is off: nothing in superd serves heap profiles, and
//     the first sampled allocation would map the runtime's 1.4 MiB
//     profiling hash table for nothing (some dependency references
//     runtime.MemProfile, so the linker does not turn it off by itself);
//   - the GC percent, unless GOGC is set (see gcPercent).
func tuneRuntime(getenv func(string) string) {
	runtime.MemProfileRate = 0
	cmap.SHARD_COUNT = 1
	if getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
}

// releaseStartupMemory returns the garbage of the start-up (parsing every
// service file, a thousand forks) to the OS once ready is closed, instead
// of leaving it to the background scavenger, which hands it back over
// minutes. It returns at once if ctx ends first.
func releaseStartupMemory(ctx context.Context, ready <-chan struct{}) {
	select {
	case <-ready:
		debug.FreeOSMemory()
	case <-ctx.Done():
	}
}
