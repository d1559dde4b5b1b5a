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

// maxProcs caps superd's GOMAXPROCS. The runtime's default is the number of
// CPUs (or the cgroup's CPU limit), and each P costs memory (its cache of
// partly used spans) and may bring a thread, whether superd needs it or
// not: a superd of 1000 services on a 2-CPU machine, with GOMAXPROCS set
// to 2, 4 and 32, had 13, 15 and 25 threads and 21.9, 22.5 and 24.6 MiB of
// RSS. superd's work is a few busy actors, one spawner thread and pipes
// copied to files, which four CPUs serve well; with the cap, superd on a
// large machine has the threads and memory it has on a 4-CPU one.
// GOMAXPROCS in the environment still wins, and a default below the cap is
// left alone (the runtime then keeps following the cgroup's limit).
const maxProcs = 4

// tuneRuntime applies superd's process-wide memory settings. It must run
// first in main, before anything allocates much and before the actor
// system exists:
//
//   - protoactor's process registry is 1024 buckets of orcaman's
//     concurrent-map, and every map is split into cmap.SHARD_COUNT (32)
//     shards: 32768 Go maps and locks, about 2.7 MiB of heap with Go 1.26
//     (0.1 MiB with one shard) whatever the number of actors. One shard per bucket keeps 1024-way lock striping,
//     far more than superd's few busy actors contend for, at 1/32 of the
//     memory. SHARD_COUNT is read both when a map is created and on every
//     access, so it can only be set while no map exists; that is why it is
//     set here, by the program, and not by the actors package, which other
//     programs embed.
//   - memory profiling is off: nothing in superd serves heap profiles, and
//     the first sampled allocation would map the runtime's 1.4 MiB
//     profiling hash table for nothing (some dependency references
//     runtime.MemProfile, so the linker does not turn it off by itself);
//   - the GC percent, unless GOGC is set (see gcPercent);
//   - at most maxProcs Ps, unless GOMAXPROCS is set.
func tuneRuntime(getenv func(string) string) {
	runtime.MemProfileRate = 0
	cmap.SHARD_COUNT = 1
	if getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if getenv("GOMAXPROCS") == "" && runtime.GOMAXPROCS(0) > maxProcs {
		runtime.GOMAXPROCS(maxProcs)
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
