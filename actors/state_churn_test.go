package actors

import (
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/supers-dev/supers/actors/runstate"
)

// startStateActor spawns a stateActor over a real store at a new state
// file, and returns its pid, the store and the file's path.
func startStateActor(t *testing.T, newActor func(stateStore) *stateActor) (*actor.ActorSystem, *actor.PID, *countingStore, string) {
	t.Helper()
	discard := slog.New(slog.DiscardHandler)
	path := filepath.Join(t.TempDir(), "superd.state")
	real, _, err := runstate.Open(path, discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = real.Close() })
	store := &countingStore{Store: real}
	sys := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return discard }))
	pid := sys.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return newActor(store) }))
	t.Cleanup(func() { _ = sys.Root.StopFuture(pid).Wait() })
	return sys, pid, store, path
}

// TestStateActorBoundsWritesUnderChurn: a crash-looping service (a start
// and an exit every restart, restarts 100 ms apart at the policy's floor,
// here faster) must not have the whole state file rewritten at every
// restart for as long as it loops: the writes must thin out.
func TestStateActorBoundsWritesUnderChurn(t *testing.T) {
	discard := slog.New(slog.DiscardHandler)
	sys, pid, store, path := startStateActor(t, func(s stateStore) *stateActor { return &stateActor{store: s, log: discard} })

	const churn = 4 * time.Second
	end := time.Now().Add(churn)
	for i := 1; time.Now().Before(end); i++ {
		sys.Root.Send(pid, &processStarted{record: runstate.Record{Service: "crash", PID: 1000 + i, PGID: 1000 + i}})
		time.Sleep(10 * time.Millisecond)
		sys.Root.Send(pid, &processEnded{service: "crash"})
		time.Sleep(10 * time.Millisecond)
	}
	// A rewrite every 100 ms would be 40; growing intervals (at most
	// stateWriteMaxInterval) make it about 7.
	if got := store.applies.Load(); got > 15 {
		t.Errorf("%v of a crash loop took %d writes of the state file, want at most 15", churn, got)
	}
	// The last change still reaches the file.
	waitUntil(t, "the last exit in the file", func() bool { return len(readState(t, path).Processes) == 0 })
}

// TestStateActorOperatorIntentNotDelayedByChurn: however long churn has
// made the interval between writes, an operator's stop waits at most
// stateWriteInterval, and takes the changes held with it.
func TestStateActorOperatorIntentNotDelayedByChurn(t *testing.T) {
	discard := slog.New(slog.DiscardHandler)
	sys, pid, _, path := startStateActor(t, func(s stateStore) *stateActor {
		// As after a long churn, with an interval far beyond the test's.
		return &stateActor{store: s, log: discard, interval: time.Hour, lastWrite: time.Now()}
	})
	sys.Root.Send(pid, &processStarted{record: runstate.Record{Service: "crash", PID: 1001, PGID: 1001}})
	sys.Root.Send(pid, &operatorIntent{service: "web", stopped: true})
	waitUntil(t, "the stop in the file", func() bool {
		st := readState(t, path)
		return len(st.Stopped) == 1 && len(st.Processes) == 1
	})
}

// TestStateActorQuietChangeWrittenAtOnce: once churn is over (no write for
// a whole interval), the next change is written at once, and the interval
// is back to stateWriteInterval.
func TestStateActorQuietChangeWrittenAtOnce(t *testing.T) {
	discard := slog.New(slog.DiscardHandler)
	sys, pid, _, path := startStateActor(t, func(s stateStore) *stateActor {
		return &stateActor{store: s, log: discard, interval: time.Hour, lastWrite: time.Now().Add(-2 * time.Hour)}
	})
	sys.Root.Send(pid, &processStarted{record: runstate.Record{Service: "web", PID: 1001, PGID: 1001}})
	waitUntil(t, "the record in the file", func() bool { return len(readState(t, path).Processes) == 1 })
}
