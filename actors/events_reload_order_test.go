package actors

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/supers-dev/supers/notify"
)

// TestReplaceNotifiersKeepsOrder: when a reload replaces the webhooks, the
// events published after it reach an endpoint only once those queued
// before it were delivered (or given up on). The old queues flush while
// the new ones start; without that, an endpoint that is in both (the usual
// case: superd.conf gained a webhook, or one's Timeout= changed) gets the
// new events first, and a receiver that keeps the last state of a service
// sees "start" after its "stop".
func TestReplaceNotifiersKeepsOrder(t *testing.T) {
	var (
		mu  sync.Mutex
		got []string
	)
	newSeen := make(chan struct{}) // closed when the new queue delivers its first event
	var newOnce sync.Once
	endpoint := func(gen string) notify.Notifier {
		return notify.NotifierFunc(func(ctx context.Context, e notify.Event) error {
			if gen == "old" && e.Service == "e1" {
				// A slow endpoint: e1 takes until the new queue has
				// delivered something (which must not happen before
				// e1 and e2), or 1 s.
				select {
				case <-newSeen:
				case <-time.After(time.Second):
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			if gen == "new" {
				newOnce.Do(func() { close(newSeen) })
			}
			mu.Lock()
			got = append(got, e.Service)
			mu.Unlock()
			return nil
		})
	}
	log := slog.New(slog.DiscardHandler)
	old := notify.NewQueue(endpoint("old"), 0, log)

	system, hub := startHub(t, old)
	system.Root.Send(hub, &eventPublished{event: notify.NewEvent(notify.TypeStart, "e1")})
	system.Root.Send(hub, &eventPublished{event: notify.NewEvent(notify.TypeStart, "e2")})
	system.Root.Send(hub, &replaceNotifiers{queues: []*notify.Queue{notify.NewQueue(endpoint("new"), 0, log)}, keys: []string{"new"}})
	system.Root.Send(hub, &eventPublished{event: notify.NewEvent(notify.TypeStop, "e3")})

	want := []string{"e1", "e2", "e3"}
	deadline := time.Now().Add(15 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= len(want) || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := system.Root.StopFuture(hub).Wait(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(got, want) {
		t.Errorf("the endpoint got %q, want %q: the events after the reload overtook those before it", got, want)
	}
}

// TestReplaceNotifiersReAddedWaitsForFlush: a webhook that a reload
// removed, and the next one adds back (an operator who comments it out
// and back in; --watch reading superd.conf while an editor rewrites it)
// while its old queue is still flushing, gets the events after the second
// reload only once the old queue is done: its new queue, which nothing
// replaced, was put to work at once, and the endpoint got the new events
// before the old ones.
func TestReplaceNotifiersReAddedWaitsForFlush(t *testing.T) {
	var (
		mu  sync.Mutex
		got []string
	)
	newSeen := make(chan struct{})
	var newOnce sync.Once
	endpoint := func(gen string) notify.Notifier {
		return notify.NotifierFunc(func(ctx context.Context, e notify.Event) error {
			if gen == "old" {
				// Slow: until the new queue has delivered something
				// (which must not happen first), or 1 s.
				select {
				case <-newSeen:
				case <-time.After(time.Second):
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			if gen == "new" {
				newOnce.Do(func() { close(newSeen) })
			}
			mu.Lock()
			got = append(got, e.Service)
			mu.Unlock()
			return nil
		})
	}
	log := slog.New(slog.DiscardHandler)
	system, hub := startHub(t, notify.NewQueue(endpoint("old"), 0, log)) // key q0
	system.Root.Send(hub, &eventPublished{event: notify.NewEvent(notify.TypeStart, "e1")})
	system.Root.Send(hub, &replaceNotifiers{keep: map[string]bool{}}) // removed
	system.Root.Send(hub, &replaceNotifiers{keep: map[string]bool{"q0": true},
		queues: []*notify.Queue{notify.NewQueue(endpoint("new"), 0, log)}, keys: []string{"q0"}}) // back
	system.Root.Send(hub, &eventPublished{event: notify.NewEvent(notify.TypeStop, "e2")})

	want := []string{"e1", "e2"}
	deadline := time.Now().Add(15 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= len(want) || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := system.Root.StopFuture(hub).Wait(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(got, want) {
		t.Errorf("the endpoint got %q, want %q: the events after the reload overtook those before it", got, want)
	}
}
