package actors

import (
	"context"
	"log/slog"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/supers-dev/supers/notify"
)

// eventHistory is how many recent events the event hub keeps.
const eventHistory = 1000

// eventFlush bounds how long, at shutdown, the notifiers may keep
// delivering what they have queued.
const eventFlush = 5 * time.Second

// eventPublished carries one event to the event hub. Publishers send it and
// go on: publishing never blocks a service actor.
type eventPublished struct {
	event notify.Event
}

// eventsActor is the event hub: every state change of a service is
// published to it once; it keeps a bounded history and hands each event to
// every notifier's bounded queue (a webhook that hangs fills its own queue,
// drops its oldest events, and delays nothing else).
type eventsActor struct {
	log     *slog.Logger
	queues  []*notify.Queue
	history []notify.Event // ring buffer of the last eventHistory events
	next    int            // where the next event goes once it is full
}

// Receive implements actor.Actor.
func (h *eventsActor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *eventPublished:
		h.remember(m.event)
		for _, q := range h.queues {
			q.Enqueue(m.event)
		}
	case *actor.Stopping:
		fctx, cancel := context.WithTimeout(context.Background(), eventFlush)
		defer cancel()
		for _, q := range h.queues {
			if err := q.Close(fctx); err != nil {
				h.log.Warn("notifier did not flush in time", "err", err)
			}
		}
	}
}

func (h *eventsActor) remember(e notify.Event) {
	if len(h.history) < eventHistory {
		h.history = append(h.history, e)
		return
	}
	h.history[h.next] = e
	h.next = (h.next + 1) % eventHistory
}

// publish sends e to the event hub, if there is one.
func publish(ctx actor.Context, hub *actor.PID, e notify.Event) {
	if hub != nil {
		ctx.Send(hub, &eventPublished{event: e})
	}
}
