package actors

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/supers-dev/supers/config"
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
	closing sync.WaitGroup // queues replaced by a reload, still flushing
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
	case *replaceNotifiers:
		old := h.queues
		h.queues = m.queues
		h.closing.Add(1)
		go func() { // owned by the hub: waited for in Stopping
			defer h.closing.Done()
			closeQueues(old, eventFlush, h.log)
		}()
	case *closeStreams:
		h.closeStreams()
	case *actor.Stopping:
		h.closeStreams()
		closeQueues(h.queues, eventFlush, h.log)
		h.closing.Wait()
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

// replaceNotifiers installs the notifiers of a reloaded superd.conf; the
// old queues flush in the background (bounded by eventFlush).
type replaceNotifiers struct {
	queues []*notify.Queue
}

// closeQueues closes queues in parallel, giving each of them wait to
// deliver what it holds: a webhook that hangs uses up its own time, never
// that of the others.
func closeQueues(queues []*notify.Queue, wait time.Duration, log *slog.Logger) {
	fctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	var wg sync.WaitGroup
	for _, q := range queues {
		wg.Go(func() {
			if err := q.Close(fctx); err != nil {
				log.Warn("notifier did not flush in time", "err", err)
			}
		})
	}
	wg.Wait()
}

// webhookQueues builds one bounded queue per webhook of d.
func webhookQueues(d *config.Daemon, version string, log *slog.Logger) ([]*notify.Queue, error) {
	var queues []*notify.Queue
	fail := func(err error) ([]*notify.Queue, error) {
		closeQueues(queues, eventFlush, log)
		return nil, err
	}
	for _, w := range d.Webhooks {
		secrets := make([][]byte, 0, len(w.Secrets))
		for _, sec := range w.Secrets {
			b, err := notify.ParseSecret(sec)
			if err != nil {
				return fail(fmt.Errorf("superd.conf: webhook %s: secret: %w", w.Name, err))
			}
			secrets = append(secrets, b)
		}
		retries := w.Retries
		if retries == 0 {
			retries = -1 // Retries=0: none (notify reads 0 as "the default")
		}
		wh, err := notify.NewWebhook(notify.WebhookConfig{
			Name:        w.Name,
			URL:         w.URL,
			Filter:      notify.Filter{Events: w.Events, Services: w.Services},
			Secrets:     secrets,
			Timeout:     w.Timeout,
			Retries:     retries,
			DenyPrivate: w.DenyPrivate,
			CAFile:      w.CAFile,
			UserAgent:   "supers/" + version,
			Logger:      log,
		})
		if err != nil {
			return fail(fmt.Errorf("superd.conf: webhook %s: %w", w.Name, err))
		}
		queues = append(queues, notify.NewQueue(wh, 0, log.With("webhook", w.Name)))
		log.Info("webhook configured", "webhook", w.Name)
	}
	return queues, nil
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

// matchService reports whether e is about service ("" = every service): an
// event of that service, or a reload that added, removed or changed it, as
// a webhook's Services= filter sees it.
func matchService(service string, e notify.Event) bool {
	return service == "" || notify.Filter{Services: []string{service}}.Match(e)
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
