package actors

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/supers-dev/supers/notify"
)

// TestReplaceNotifiersHandsOffToChangedWebhook: a reload that changes a
// webhook (its URL= moved to a new receiver because the old one is down,
// a Secret= rotated, a Timeout= raised) hands what the old configuration
// had not delivered to the new one, in order, ahead of the events after
// the reload: the event whose delivery was in flight too, when it fails. The old queue used to keep them, deliver what it could in
// 5 s with the old configuration, and drop the rest: moving a webhook
// away from a dead receiver lost every event queued for it.
func TestReplaceNotifiersHandsOffToChangedWebhook(t *testing.T) {
	release := make(chan struct{})
	var once sync.Once
	old := notify.NewQueue(notify.NotifierFunc(func(ctx context.Context, _ notify.Event) error {
		once.Do(func() { // the first delivery hangs until the test releases it
			select {
			case <-release:
			case <-ctx.Done():
			}
		})
		return errors.New("old receiver down")
	}), 0, nil)
	var mu sync.Mutex
	var got []string
	moved := notify.NewQueue(notify.NotifierFunc(func(_ context.Context, e notify.Event) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, e.Service)
		return nil
	}), 0, nil)

	system, hub := startHub(t, old) // webhook "q0"
	for _, s := range []string{"e1", "e2", "e3"} {
		system.Root.Send(hub, &eventPublished{event: notify.NewEvent(notify.TypeStart, s)})
	}
	waitUntil(t, "e1 in flight, e2 and e3 queued", func() bool { return old.Stats().Queued == 2 })
	// The reload: webhook q0 changed (its key; same name).
	system.Root.Send(hub, &replaceNotifiers{keep: map[string]bool{"q0/changed": true},
		queues: []*notify.Queue{moved}, keys: []string{"q0/changed"}})
	system.Root.Send(hub, &eventPublished{event: notify.NewEvent(notify.TypeStop, "e4")})
	// While e1 is still in flight, e2 and e3 leave the old queue (they
	// stayed there, for the old receiver, which never gets them).
	waitUntil(t, "the old queue to hand off e2 and e3", func() bool { return old.Stats().Queued == 0 })
	// e1 fails at the old receiver: the old configuration does not retry
	// it, the new one gets it first.
	close(release)
	waitUntil(t, "the new configuration delivers", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) >= 4
	})
	if err := system.Root.StopFuture(hub).Wait(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"e1", "e2", "e3", "e4"}; !slices.Equal(got, want) {
		t.Errorf("the changed webhook got %q, want %q", got, want)
	}
}
