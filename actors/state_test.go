package actors

import (
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/supers-dev/supers/actors/runstate"
)

// countingStore counts the writes of a real store.
type countingStore struct {
	*runstate.Store
	applies atomic.Int64
}

func (c *countingStore) Apply(changes ...runstate.Change) error {
	c.applies.Add(1)
	return c.Store.Apply(changes...)
}

// TestStateActorBatchesWrites checks that a burst of starts is written in a
// few writes, that every change reaches the file, and that stopping the
// actor writes what it still holds.
func TestStateActorBatchesWrites(t *testing.T) {
	discard := slog.New(slog.DiscardHandler)
	path := filepath.Join(t.TempDir(), "superd.state")
	real, _, err := runstate.Open(path, discard)
	if err != nil {
		t.Fatal(err)
	}
	store := &countingStore{Store: real}
	sys := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return discard }))
	pid := sys.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return &stateActor{store: store, log: discard} }))
	t.Cleanup(func() { _ = sys.Root.StopFuture(pid).Wait() })

	const n = 500
	for i := range n {
		sys.Root.Send(pid, &processStarted{record: runstate.Record{Service: "s" + strconv.Itoa(i), PID: 1000 + i, PGID: 1000 + i}})
	}
	waitUntil(t, "all records in the file", func() bool { return len(readState(t, path).Processes) == n })
	if got := store.applies.Load(); got > 10 {
		t.Errorf("%d starts sent at once took %d writes, want a few", n, got)
	}

	// These changes come within stateWriteInterval of the last write, so
	// they wait for the timer; stopping the actor (after them: a poison
	// pill is a user message) must write them anyway.
	sys.Root.Send(pid, &processEnded{service: "s0"})
	sys.Root.Send(pid, &operatorIntent{service: "s1", stopped: true})
	if err := sys.Root.PoisonFuture(pid).Wait(); err != nil {
		t.Fatal(err)
	}
	st := readState(t, path)
	if len(st.Processes) != n-1 || st.Processes[0].Service == "s0" || len(st.Stopped) != 1 || st.Stopped[0] != "s1" {
		t.Errorf("after stop: %d processes (first %q), stopped %v; want %d without s0, [s1]", len(st.Processes), st.Processes[0].Service, st.Stopped, n-1)
	}
}

// stateFile is the part of the state file the test reads. (runstate.Open
// cannot read it while the actor writes: it removes temporary files.)
type stateFile struct {
	Processes []runstate.Record `json:"processes"`
	Stopped   []string          `json:"stopped"`
}

// readState reads the state file at path.
func readState(t *testing.T, path string) stateFile {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var st stateFile
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatalf("state file: %v", err)
	}
	return st
}

// waitUntil polls cond until it holds, failing the test after 10 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestStateActorRetriesFailedWrites: a change made while the state file
// cannot be written reaches it once it can, with no further change.
func TestStateActorRetriesFailedWrites(t *testing.T) {
	dir, path, store := openStateIn(t)
	discard := slog.New(slog.DiscardHandler)
	sys := quietSystem()
	pid := sys.Root.Spawn(actor.PropsFromProducer(func() actor.Actor {
		return &stateActor{store: store, log: discard, retryMin: 20 * time.Millisecond}
	}))
	t.Cleanup(func() { _ = sys.Root.StopFuture(pid).Wait() })

	// The dir goes away, and a file takes its place (as root,
	// permissions would not stop the write; a dir merely gone is made
	// again). Removing the state file in it makes the actor write it
	// again (its watch sees the file gone): a RemoveAll can meet that new
	// file and fail with "directory not empty"; the next one removes it.
	waitUntil(t, "the dir replaced by a file", func() bool {
		return os.RemoveAll(dir) == nil && os.WriteFile(dir, nil, 0o600) == nil
	})
	sys.Root.Send(pid, &operatorIntent{service: "web", stopped: true})
	waitUntil(t, "a failed write", store.Behind)
	// The file gone, the next retry makes the directory again.
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the stop in the file", func() bool {
		b, err := os.ReadFile(path)
		if err != nil {
			return false
		}
		var st stateFile
		return json.Unmarshal(b, &st) == nil && len(st.Stopped) == 1 && st.Stopped[0] == "web"
	})
	if store.Behind() {
		t.Error("the store is still behind after a successful write")
	}
}

// blockingStore is a countingStore whose first Apply waits for release.
type blockingStore struct {
	countingStore
	entered chan struct{}
	release chan struct{}
	once    atomic.Bool
}

func (b *blockingStore) Apply(changes ...runstate.Change) error {
	if b.once.CompareAndSwap(false, true) {
		close(b.entered)
		<-b.release
	}
	return b.countingStore.Apply(changes...)
}

// The drains of a burst of commands (supers restart of many services, 16
// at a time, each draining before its answer) share writes: each rewrote
// the whole file, 1200 times for a restart of 3000 services. Every drain
// is still answered only once the changes sent before it are in the file.
func TestStateActorCoalescesDrains(t *testing.T) {
	discard := slog.New(slog.DiscardHandler)
	path := filepath.Join(t.TempDir(), "superd.state")
	real, _, err := runstate.Open(path, discard)
	if err != nil {
		t.Fatal(err)
	}
	store := &blockingStore{countingStore: countingStore{Store: real}, entered: make(chan struct{}), release: make(chan struct{})}
	sys := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return discard }))
	pid := sys.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return &stateActor{store: store, log: discard} }))
	t.Cleanup(func() { _ = sys.Root.StopFuture(pid).Wait() })

	// The first drain's write is held: the rest of the burst queues up.
	first := make(chan struct{})
	sys.Root.Send(pid, &operatorIntent{service: "s0", stopped: true})
	sys.Root.Send(pid, &drainState{done: first})
	<-store.entered
	const n = 100
	dones := make([]chan struct{}, n)
	for i := range n {
		sys.Root.Send(pid, &operatorIntent{service: "s" + strconv.Itoa(i+1), stopped: true})
		dones[i] = make(chan struct{})
		sys.Root.Send(pid, &drainState{done: dones[i]})
	}
	close(store.release)
	<-first
	for i, done := range dones {
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("drain %d not answered", i)
		}
	}
	if st := readState(t, path); len(st.Stopped) != n+1 {
		t.Errorf("the file has %d stopped services once every drain is answered, want %d", len(st.Stopped), n+1)
	}
	if got := store.applies.Load(); got > 3 {
		t.Errorf("%d drains queued together took %d writes, want at most 3", n+1, got)
	}
}

// A write that fails at shutdown has no later try: the operator's stop it
// held was lost without a word (the next superd started the service). It
// is now logged as an error.
func TestStateActorSaysWhatShutdownCouldNotWrite(t *testing.T) {
	var logs lockedBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	dir, _, store := openStateIn(t)
	sys := quietSystem()
	pid := sys.Root.Spawn(actor.PropsFromProducer(func() actor.Actor {
		return &stateActor{store: store, log: log, retryMin: time.Hour}
	}))
	waitUntil(t, "the dir replaced by a file", func() bool {
		return os.RemoveAll(dir) == nil && os.WriteFile(dir, nil, 0o600) == nil
	})
	sys.Root.Send(pid, &operatorIntent{service: "web", stopped: true})
	// Handled (its write failed) before the stop, which a system message
	// would otherwise overtake.
	done := make(chan struct{})
	sys.Root.Send(pid, &drainState{done: done})
	<-done
	if err := sys.Root.StopFuture(pid).Wait(); err != nil {
		t.Fatal(err)
	}
	if out := logs.String(); !strings.Contains(out, "level=ERROR") || !strings.Contains(out, "could not be written before superd stopped") {
		t.Errorf("the lost write at shutdown is not logged as an error:\n%s", out)
	}
}

// openStateIn opens a store of a state file in a new directory; it
// returns the directory, the file's path and the store.
func openStateIn(t *testing.T) (dir, path string, store *runstate.Store) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "run")
	if err := os.Mkdir(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(dir, "superd.state")
	store, _, err := runstate.Open(path, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return dir, path, store
}

// quietSystem returns an actor system that logs nothing.
func quietSystem() *actor.ActorSystem {
	discard := slog.New(slog.DiscardHandler)
	return actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return discard }))
}
