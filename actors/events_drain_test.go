package actors

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/supers-dev/supers/notify"
)

// At shutdown the event hub is stopped by a system message, which
// overtakes the user messages still in its mailbox: the events published
// just before (the services' last stops) would never reach the webhooks.
// A drainEvents sent first is answered only once every event sent before
// it is in the notifiers' queues, which the Stopping then flushes.
func TestDrainEventsBeforeStopLosesNothing(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	var got atomic.Int64
	q := notify.NewQueue(notify.NotifierFunc(func(context.Context, notify.Event) error {
		got.Add(1)
		return nil
	}), 100000, log)
	sys, hub := startHub(t, q)
	const n = 20000
	for range n {
		sys.Root.Send(hub, &eventPublished{event: notify.NewEvent(notify.TypeStop, "web")})
	}
	done := make(chan struct{})
	sys.Root.Send(hub, &drainEvents{done: done})
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("drainEvents not answered")
	}
	if err := sys.Root.StopFuture(hub).Wait(); err != nil {
		t.Fatal(err)
	}
	if g := got.Load(); g != n {
		t.Fatalf("the notifier got %d events of %d", g, n)
	}
}
