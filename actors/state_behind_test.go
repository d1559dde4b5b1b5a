package actors

import (
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/supers-dev/supers/actors/runstate"
)

// behindStore is a real store that says it is behind until its first
// Apply, as runstate.Open leaves one whose damaged file it could not
// write again (a full disk).
type behindStore struct {
	*runstate.Store
	behind  atomic.Bool
	applies atomic.Int64
}

func (b *behindStore) Apply(changes ...runstate.Change) error {
	b.applies.Add(1)
	err := b.Store.Apply(changes...)
	if err == nil {
		b.behind.Store(false)
	}
	return err
}

func (b *behindStore) Behind() bool { return b.behind.Load() || b.Store.Behind() }

// A state file found damaged that Open could not write again was written
// only with the next change of state: with every service stopped, none
// came, and the damaged file stayed for good. The actor retries it as a
// failed write from its start.
func TestStateActorWritesAStoreBehindFromTheStart(t *testing.T) {
	_, _, real := openStateIn(t)
	store := &behindStore{Store: real}
	store.behind.Store(true)
	sys := quietSystem()
	pid := sys.Root.Spawn(actor.PropsFromProducer(func() actor.Actor {
		return &stateActor{store: store, log: slog.New(slog.DiscardHandler), retryMin: 20 * time.Millisecond}
	}))
	t.Cleanup(func() { _ = sys.Root.StopFuture(pid).Wait() })
	waitUntil(t, "the file written with no change of state", func() bool { return store.applies.Load() > 0 && !store.Behind() })
}
