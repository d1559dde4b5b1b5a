package actors

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/supers-dev/supers/notify"
)

// typeRecorder is a notifier that wants one event type only (a webhook
// with Events=), and records the services of those it gets.
type typeRecorder struct {
	typ string
	mu  sync.Mutex
	got []string
}

func (r *typeRecorder) Match(e notify.Event) bool { return e.Type == r.typ }

func (r *typeRecorder) Notify(_ context.Context, e notify.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, e.Service)
	return nil
}

// TestReplaceNotifiersHoldsOnlyWantedEvents: while the queues a reload
// replaced flush, the hub holds the events for the new ones, at most a
// queue's capacity. It held every event, also those no new webhook wants:
// a burst of starts (a reload restarting many services) pushed out the
// fatal that a webhook with Events=fatal was waiting for, although its
// queue never gives a slot to an event its filter does not keep.
func TestReplaceNotifiersHoldsOnlyWantedEvents(t *testing.T) {
	release := make(chan struct{})
	old := notify.NewQueue(notify.NotifierFunc(func(ctx context.Context, _ notify.Event) error {
		select { // a receiver down until released
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}), 0, nil)
	system, hub := startHub(t, old) // key q0
	system.Root.Send(hub, &eventPublished{event: notify.NewEvent(notify.TypeStart, "before")})
	fatals := &typeRecorder{typ: notify.TypeFatal}
	system.Root.Send(hub, &replaceNotifiers{keep: map[string]bool{}, // q0 replaced by "f"
		queues: []*notify.Queue{notify.NewQueue(fatals, 0, nil)}, keys: []string{"f"}})
	system.Root.Send(hub, &eventPublished{event: notify.NewEvent(notify.TypeFatal, "crashing")})
	for range 2 * notify.DefaultQueueCapacity {
		system.Root.Send(hub, &eventPublished{event: notify.NewEvent(notify.TypeStart, "restarted")})
	}
	// The hub handles them all while the old queue still flushes: its
	// Stop, a system message, would overtake those still in its mailbox,
	// which would never reach a queue.
	drained := make(chan struct{})
	system.Root.Send(hub, &drainEvents{done: drained})
	select {
	case <-drained:
	case <-time.After(30 * time.Second):
		t.Fatal("drainEvents not answered")
	}
	close(release)
	// Stopping waits for the old queue's flush, releases what is held,
	// and flushes the new queue.
	if err := system.Root.StopFuture(hub).Wait(); err != nil {
		t.Fatal(err)
	}
	fatals.mu.Lock()
	defer fatals.mu.Unlock()
	if !slices.Equal(fatals.got, []string{"crashing"}) {
		t.Errorf("the webhook that wants fatal events got %q, want [crashing]: starts it does not want pushed it out", fatals.got)
	}
}
