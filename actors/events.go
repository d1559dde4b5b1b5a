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
	subs    map[uint64]*subscriber
	nextSub uint64
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
		h.fanOut(m.event)
	case *subscribe:
		h.handleSubscribe(m)
	case *unsubscribe:
		if sub, ok := h.subs[m.id]; ok {
			delete(h.subs, m.id)
			close(sub.ch)
		}
	case *closeStreams:
		h.closeStreams()
	case *actor.Stopping:
		h.closeStreams()
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

// subscriberBuffer bounds the events waiting for one stream client; a client
// that falls this far behind is dropped (its stream ends) rather than
// slowing the hub.
const subscriberBuffer = 256

// subscriber is one live event stream (GET /v1/events?follow=true).
type subscriber struct {
	service string // "" = all
	ch      chan notify.Event
}

// subscribe asks the hub for its history (filtered by service) and, with
// follow, a live channel that starts right after it: no event is missed or
// repeated between the two.
type subscribe struct {
	service string
	follow  bool
	reply   chan<- subscription
}

// subscription answers subscribe.
type subscription struct {
	history []notify.Event
	id      uint64
	live    <-chan notify.Event // nil without follow; closed by the hub
}

// closeStreams ends every live stream (superd is shutting down).
type closeStreams struct{}

func (h *eventsActor) closeStreams() {
	for id, sub := range h.subs {
		delete(h.subs, id)
		close(sub.ch)
	}
}

// unsubscribe ends a live stream (its client went away).
type unsubscribe struct {
	id uint64
}

func matchService(service string, e notify.Event) bool {
	return service == "" || e.Service == service
}

func (h *eventsActor) handleSubscribe(m *subscribe) {
	var sub subscription
	ordered := append(append([]notify.Event(nil), h.history[h.next:]...), h.history[:h.next]...)
	for _, e := range ordered {
		if matchService(m.service, e) {
			sub.history = append(sub.history, e)
		}
	}
	if m.follow {
		if h.subs == nil {
			h.subs = make(map[uint64]*subscriber)
		}
		h.nextSub++
		ch := make(chan notify.Event, subscriberBuffer)
		h.subs[h.nextSub] = &subscriber{service: m.service, ch: ch}
		sub.id, sub.live = h.nextSub, ch
	}
	m.reply <- sub
}

// fanOut hands e to every live stream that wants it, dropping the streams
// whose client does not keep up.
func (h *eventsActor) fanOut(e notify.Event) {
	for id, sub := range h.subs {
		if !matchService(sub.service, e) {
			continue
		}
		select {
		case sub.ch <- e:
		default:
			h.log.Warn("event stream client too slow; closing its stream", "subscriber", id)
			delete(h.subs, id)
			close(sub.ch)
		}
	}
}
