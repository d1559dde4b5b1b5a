package actors

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/supers-dev/supers/notify"
)

// orderRecorder stands for one webhook endpoint reached through two
// queues, the old one a reload replaces and the new one: it records the
// services of the events it gets, in order. The old queue is slow on the
// events slow picks: each takes until the new queue has delivered
// something (which must not happen before them), or 1 s.
type orderRecorder struct {
	slow    func(notify.Event) bool
	newSeen chan struct{} // closed when the new queue delivers its first event
	newOnce sync.Once

	mu  sync.Mutex
	got []string
}

func newOrderRecorder(slow func(notify.Event) bool) *orderRecorder {
	return &orderRecorder{slow: slow, newSeen: make(chan struct{})}
}

// queue returns a queue to the endpoint: the old one, or the new one.
func (r *orderRecorder) queue(gen string) *notify.Queue {
	return notify.NewQueue(notify.NotifierFunc(func(ctx context.Context, e notify.Event) error {
		if gen == "old" && r.slow(e) {
			select {
			case <-r.newSeen:
			case <-time.After(time.Second):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if gen == "new" {
			r.newOnce.Do(func() { close(r.newSeen) })
		}
		r.mu.Lock()
		r.got = append(r.got, e.Service)
		r.mu.Unlock()
		return nil
	}), 0, slog.New(slog.DiscardHandler))
}

// check waits (at most 15 s) until the endpoint got as many events as
// want, stops the hub, and checks that they came in want's order.
func (r *orderRecorder) check(t *testing.T, system *actor.ActorSystem, hub *actor.PID, want []string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		r.mu.Lock()
		n := len(r.got)
		r.mu.Unlock()
		if n >= len(want) || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := system.Root.StopFuture(hub).Wait(); err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !slices.Equal(r.got, want) {
		t.Errorf("the endpoint got %q, want %q: the events after the reload overtook those before it", r.got, want)
	}
}

// TestReplaceNotifiersKeepsOrder: when a reload replaces the webhooks, the
// events published after it reach an endpoint only once those queued
// before it were delivered (or given up on). The old queues flush while
// the new ones start; without that, an endpoint that is in both (the usual
// case: superd.conf gained a webhook, or one's Timeout= changed) gets the
// new events first, and a receiver that keeps the last state of a service
// sees "start" after its "stop".
func TestReplaceNotifiersKeepsOrder(t *testing.T) {
	r := newOrderRecorder(func(e notify.Event) bool { return e.Service == "e1" })
	system, hub := startHub(t, r.queue("old"))
	system.Root.Send(hub, &eventPublished{event: notify.NewEvent(notify.TypeStart, "e1")})
	system.Root.Send(hub, &eventPublished{event: notify.NewEvent(notify.TypeStart, "e2")})
	system.Root.Send(hub, &replaceNotifiers{queues: []*notify.Queue{r.queue("new")}, keys: []string{"new"}})
	system.Root.Send(hub, &eventPublished{event: notify.NewEvent(notify.TypeStop, "e3")})
	r.check(t, system, hub, []string{"e1", "e2", "e3"})
}

// TestReplaceNotifiersReAddedWaitsForFlush: a webhook that a reload
// removed, and the next one adds back (an operator who comments it out
// and back in; --watch reading superd.conf while an editor rewrites it)
// while its old queue is still flushing, gets the events after the second
// reload only once the old queue is done: its new queue, which nothing
// replaced, was put to work at once, and the endpoint got the new events
// before the old ones.
func TestReplaceNotifiersReAddedWaitsForFlush(t *testing.T) {
	r := newOrderRecorder(func(notify.Event) bool { return true })
	system, hub := startHub(t, r.queue("old")) // key q0
	system.Root.Send(hub, &eventPublished{event: notify.NewEvent(notify.TypeStart, "e1")})
	system.Root.Send(hub, &replaceNotifiers{keep: map[string]bool{}}) // removed
	system.Root.Send(hub, &replaceNotifiers{keep: map[string]bool{"q0": true},
		queues: []*notify.Queue{r.queue("new")}, keys: []string{"q0"}}) // back
	system.Root.Send(hub, &eventPublished{event: notify.NewEvent(notify.TypeStop, "e2")})
	r.check(t, system, hub, []string{"e1", "e2"})
}
