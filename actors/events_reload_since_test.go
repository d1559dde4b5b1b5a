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

// sinceRecorder records, by queue, the services of the events each
// queue delivered. Its "old" queue holds its first delivery until release
// is closed, and tells inFlight when that delivery starts, so that a
// reload's handoff has to wait for it.
type sinceRecorder struct {
	inFlight, release chan struct{}
	once              sync.Once

	mu  sync.Mutex
	got map[string][]string
}

func newSinceRecorder() *sinceRecorder {
	return &sinceRecorder{inFlight: make(chan struct{}), release: make(chan struct{}), got: map[string][]string{}}
}

func (r *sinceRecorder) queue(name string) *notify.Queue {
	return notify.NewQueue(notify.NotifierFunc(func(ctx context.Context, e notify.Event) error {
		if name == "old" {
			r.once.Do(func() { close(r.inFlight) })
			select {
			case <-r.release:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		r.mu.Lock()
		r.got[name] = append(r.got[name], e.Service)
		r.mu.Unlock()
		return nil
	}), 0, slog.New(slog.DiscardHandler))
}

// run starts a hub whose webhook A (key A/1) is the old queue, publishes
// e0 and waits until the old queue is delivering it, then hands the hub
// each of steps in turn (a replaceNotifiers, or an event), lets the old
// queue finish once the hub has handled them all, stops the hub (which
// delivers what is queued) and returns what each queue got.
func (r *sinceRecorder) run(t *testing.T, steps ...any) map[string][]string {
	t.Helper()
	system, hub := startHub(t)
	system.Root.Send(hub, &replaceNotifiers{keep: map[string]bool{"A/1": true}, queues: []*notify.Queue{r.queue("old")}, keys: []string{"A/1"}})
	system.Root.Send(hub, &eventPublished{event: notify.NewEvent(notify.TypeStart, "e0")})
	select {
	case <-r.inFlight:
	case <-time.After(10 * time.Second):
		t.Fatal("the old queue never started delivering e0")
	}
	for _, m := range steps {
		system.Root.Send(hub, m)
	}
	drained := make(chan struct{})
	system.Root.Send(hub, &drainEvents{done: drained})
	select {
	case <-drained:
	case <-time.After(10 * time.Second):
		t.Fatal("the hub did not handle the reloads and events")
	}
	close(r.release)
	if err := system.Root.StopFuture(hub).Wait(); err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.got
}

// event is an eventPublished for a start of service.
func event(service string) *eventPublished {
	return &eventPublished{event: notify.NewEvent(notify.TypeStart, service)}
}

// TestReplaceNotifiersAddedGetsOnlyLaterEvents: a webhook that a reload
// adds while an earlier reload's changed webhook still hands off gets
// the events published after the reload that adds it, as it would if
// nothing were flushing: not those held for the changed webhook before.
func TestReplaceNotifiersAddedGetsOnlyLaterEvents(t *testing.T) {
	r := newSinceRecorder()
	got := r.run(t,
		&replaceNotifiers{keep: map[string]bool{"A/2": true}, queues: []*notify.Queue{r.queue("A2")}, keys: []string{"A/2"}}, // A changed
		event("e1"),
		&replaceNotifiers{keep: map[string]bool{"A/2": true, "B/1": true}, queues: []*notify.Queue{r.queue("B")}, keys: []string{"B/1"}}, // B added
		event("e2"),
	)
	if want := []string{"e2"}; !slices.Equal(got["B"], want) {
		t.Errorf("webhook B, added by the second reload, got %q, want %q", got["B"], want)
	}
	if want := []string{"e1", "e2"}; !slices.Equal(got["A2"], want) {
		t.Errorf("webhook A's new configuration got %q, want %q", got["A2"], want)
	}
	if want := []string{"e0"}; !slices.Equal(got["old"], want) {
		t.Errorf("webhook A's old configuration got %q, want %q", got["old"], want)
	}
}

// TestReplaceNotifiersChangedTwiceKeepsHeldEvents: a webhook changed
// again while its first change still waits for the old queue to hand off
// keeps the events held for it since the first change: its latest
// configuration gets them, as a queue at work hands what it holds to its
// replacement.
func TestReplaceNotifiersChangedTwiceKeepsHeldEvents(t *testing.T) {
	r := newSinceRecorder()
	got := r.run(t,
		&replaceNotifiers{keep: map[string]bool{"A/2": true}, queues: []*notify.Queue{r.queue("A2")}, keys: []string{"A/2"}}, // A changed
		event("e1"),
		&replaceNotifiers{keep: map[string]bool{"A/3": true}, queues: []*notify.Queue{r.queue("A3")}, keys: []string{"A/3"}}, // changed again
		event("e2"),
	)
	if want := []string{"e1", "e2"}; !slices.Equal(got["A3"], want) {
		t.Errorf("webhook A's latest configuration got %q, want %q", got["A3"], want)
	}
	if len(got["A2"]) != 0 {
		t.Errorf("webhook A's replaced configuration, which never went to work, got %q", got["A2"])
	}
}
