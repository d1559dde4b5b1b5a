package actors

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/notify"
)

// eventHistory is how many recent events the event hub keeps, and
// eventHistoryPerService how many of them may be about one service (or,
// for reloads, about none): a service in a crash loop keeps its last ones
// without pushing every other service's out of the history.
const (
	eventHistory           = 1000
	eventHistoryPerService = 100
)

// eventFlush bounds how long, at shutdown, the notifiers may keep
// delivering what they have queued.
const eventFlush = 5 * time.Second

// maxReasonBytes bounds the Reason of an event, which the hub cuts
// (see boundReason). A config-error's reason holds the file's errors,
// which may quote long values: unbounded, one event could outgrow the
// line a client of the event stream takes (1 MiB, after JSON escaping,
// up to 6 bytes per byte), and "supers events" would fail on it for as
// long as the history keeps it.
const maxReasonBytes = 64 << 10

// boundReason cuts e's Reason to maxReasonBytes, at a character boundary,
// and says how many bytes were cut.
func boundReason(e *notify.Event) {
	if len(e.Reason) <= maxReasonBytes {
		return
	}
	cut := maxReasonBytes
	for cut > 0 && !utf8.RuneStart(e.Reason[cut]) {
		cut--
	}
	e.Reason = fmt.Sprintf("%s … (%d more bytes cut)", e.Reason[:cut], len(e.Reason)-cut)
}

// eventPublished carries one event to the event hub. Publishers send it and
// go on: publishing never blocks a service actor.
type eventPublished struct {
	event notify.Event
}

// eventsActor is the event hub: every state change of a service is
// published to it once; it keeps a bounded history and hands each event to
// every notifier's bounded queue (a webhook that hangs fills its own queue,
// drops its oldest events, and delays nothing else).
//
// A reload keeps the queue of every webhook it does not change, with what
// it holds. The queue of a webhook it changes (same name, another
// configuration) hands what it has not delivered to the new queue, once
// its delivery in flight ends (at most eventFlush: then that event is
// handed off too); the queue of a webhook it removes delivers what it
// holds (for at most eventFlush). The new queues get no event before
// those are done (those of a later reload too, while some still flush: a
// webhook removed may be added back): an endpoint in both would otherwise
// get the events after the reload before, or among, those before it.
// Meanwhile the hub holds the events one of the new queues wants (at most
// notify.DefaultQueueCapacity, oldest dropped); each new queue then gets
// those published after the reload that added it, never earlier ones
// from the hub; but a webhook added back under the name of one whose old
// queue is still handing off takes over what that queue had not
// delivered, as a changed webhook does (the same endpoint, most likely).
type eventsActor struct {
	log *slog.Logger
	// queues get every event; waiting (added by a reload while replaced
	// queues flush) get the held ones first. keys and waitingKeys are
	// their webhooks' webhookKey, in the same order.
	queues, waiting   []*notify.Queue
	keys, waitingKeys []string
	// waitingSince is, for each waiting queue, the seq of the last event
	// published before the reload that added it: it gets only the held
	// events after that one. A waiting queue added while another reload's
	// queues flush (a webhook that a later reload adds, while an earlier
	// reload's changed one still delivers) would otherwise get events
	// published before its webhook existed.
	waitingSince map[*notify.Queue]uint64
	subs         map[uint64]*subscriber
	nextSub      uint64
	closing      sync.WaitGroup // queues replaced by a reload, still flushing
	flushing     int            // how many replaced sets of queues are still flushing
	held         []notify.Event // events for queues, waiting for flushing to reach 0
	heldDrop     uint64         // events dropped from held since the last warning
	// handed holds, by webhook name, what the queues of changed webhooks
	// handed off, for the waiting queue of that name; written by the
	// goroutines that retire those queues, hence its mutex.
	handedMu sync.Mutex
	handed   map[string][]notify.Event
	// backlogTimer, if not nil, sends a pushBacklogs soon.
	backlogTimer *time.Timer
	// ending, once superd shuts down, is the closeStreams being carried
	// out: the streams end as their clients have read what they had.
	ending *closeStreams
	// heldBytes is what the backlogs of every stream hold together (see
	// streamsBudget): each event they hold once, whatever the number of
	// backlogs holding it, and a slot per backlog entry. heldEvents
	// counts those events.
	heldBytes, heldEvents int
	// history holds the last events, oldest first: at most eventHistory,
	// and at most eventHistoryPerService of one service.
	history []*notify.Event
	// seq is the notify.Event.Seq of the last event published.
	seq uint64
}

// Receive implements actor.Actor.
func (h *eventsActor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *eventPublished:
		h.seq++
		m.event.Seq = h.seq
		boundReason(&m.event)
		h.remember(&m.event)
		h.toNotifiers(m.event)
		h.retryBacklogs(ctx, h.fanOut(m.event))
	case *pushBacklogs:
		h.backlogTimer = nil
		if h.ending != nil {
			h.endStreams(ctx)
		} else {
			h.pushBacklogs(ctx)
		}
	case *subscribe:
		h.handleSubscribe(m)
	case *unsubscribe:
		if sub, ok := h.subs[m.id]; ok {
			h.release(sub)
			delete(h.subs, m.id)
			sub.end()
		}
	case *streamsHeld:
		m.reply <- heldStats{bytes: h.heldBytes, events: h.heldEvents, streams: len(h.subs)}
	case *replaceNotifiers:
		var gone, goneWaiting []*notify.Queue
		var goneKeys []string
		h.queues, h.keys, gone, goneKeys = keepQueues(h.queues, h.keys, m.keep)
		var goneWaitingKeys []string
		h.waiting, h.waitingKeys, goneWaiting, goneWaitingKeys = keepQueues(h.waiting, h.waitingKeys, m.keep)
		// A webhook whose name is still there changed: its queue hands
		// off. The others were removed: theirs flush, and so do the
		// waiting ones, which hold nothing yet.
		names := make(map[string]bool, len(m.keep))
		for key := range m.keep {
			names[keyName(key)] = true
		}
		var handoff []*notify.Queue
		var handoffNames []string
		old := goneWaiting
		for i, q := range gone {
			if name := keyName(goneKeys[i]); names[name] {
				handoff, handoffNames = append(handoff, q), append(handoffNames, name)
			} else {
				old = append(old, q)
			}
		}
		if len(old)+len(handoff) == 0 && h.flushing == 0 {
			// Nothing to flush first.
			h.queues, h.keys = append(h.queues, m.queues...), append(h.keys, m.keys...)
			return
		}
		// The new queues wait for every queue still flushing, those of an
		// earlier reload too: a webhook it removed may be back in this
		// one, its old queue still delivering to the same endpoint. Each
		// gets the held events published from now on; one that replaces
		// a waiting queue of its webhook (changed again before it got
		// any) takes over the events held for that one, as a queue at
		// work would have handed them off.
		since := make(map[string]uint64, len(goneWaiting))
		for i, q := range goneWaiting {
			if name := keyName(goneWaitingKeys[i]); names[name] {
				since[name] = h.waitingSince[q]
			}
			delete(h.waitingSince, q)
		}
		if h.waitingSince == nil {
			h.waitingSince = make(map[*notify.Queue]uint64, len(m.queues))
		}
		for i, q := range m.queues {
			from, ok := since[keyName(m.keys[i])]
			if !ok {
				from = h.seq
			}
			h.waitingSince[q] = from
		}
		h.waiting, h.waitingKeys = append(h.waiting, m.queues...), append(h.waitingKeys, m.keys...)
		if len(old)+len(handoff) == 0 {
			return // released with the others once those flush
		}
		h.flushing++
		h.closing.Add(1)
		self, root := ctx.Self(), ctx.ActorSystem().Root
		go func() { // owned by the hub: waited for in Stopping
			defer h.closing.Done()
			handed := retireQueues(old, handoff, handoffNames, eventFlush)
			h.handedMu.Lock()
			for name, events := range handed {
				if h.handed == nil {
					h.handed = make(map[string][]notify.Event)
				}
				h.handed[name] = append(h.handed[name], events...)
			}
			h.handedMu.Unlock()
			root.Send(self, &notifiersFlushed{})
		}()
	case *notifiersFlushed:
		h.flushing--
		h.releaseHeld()
	case *closeStreams:
		h.ending = m
		h.endStreams(ctx)
	case *drainEvents:
		close(m.done)
	case *actor.Stopping:
		if h.backlogTimer != nil {
			h.backlogTimer.Stop()
		}
		deadline := time.Now().Add(eventFlush) // for the old queues and the current ones together
		h.endAllStreams()
		h.closing.Wait() // the events held wait for the old queues, as they would have
		h.flushing = 0
		h.releaseHeld()
		closeQueues(h.queues, time.Until(deadline))
	}
}

// drainEvents asks the event hub to close done once it has handled every
// event sent to it before (superd's shutdown, before the actors stop: the
// hub is stopped by a system message, which overtakes the user messages
// still queued, so the last events would otherwise never reach the
// notifiers).
type drainEvents struct {
	done chan struct{}
}

// notifiersFlushed tells the hub that the queues a replaceNotifiers
// replaced have delivered what they held (or given up).
type notifiersFlushed struct{}

// toNotifiers hands e to every notifier's queue, and holds it for the
// queues waiting for replaced ones to flush, if one of them wants it.
func (h *eventsActor) toNotifiers(e notify.Event) {
	for _, q := range h.queues {
		q.Enqueue(e)
	}
	if !slices.ContainsFunc(h.waiting, func(q *notify.Queue) bool { return q.Wants(e) }) {
		return // no waiting notifier wants it: it takes no slot
	}
	if len(h.held) >= notify.DefaultQueueCapacity {
		h.held[0] = notify.Event{} // release its slices
		h.held = h.held[1:]
		h.heldDrop++
	}
	h.held = append(h.held, e)
}

// releaseHeld hands the waiting queues what the queues of their webhook
// handed off, then the held events published after each was added (see
// waitingSince), once no replaced queue is flushing any more; they then
// get every event.
func (h *eventsActor) releaseHeld() {
	if h.flushing > 0 {
		return
	}
	if h.heldDrop > 0 {
		h.log.Warn("notifications dropped while the webhooks replaced by a reload were flushing", "dropped", h.heldDrop)
		h.heldDrop = 0
	}
	h.handedMu.Lock()
	handed := h.handed
	h.handed = nil
	h.handedMu.Unlock()
	for i, q := range h.waiting {
		name := keyName(h.waitingKeys[i])
		if events := handed[name]; len(events) > 0 {
			h.log.Info("webhook changed by a reload: what it had not delivered goes to its new configuration", "webhook", name, "events", len(events))
			for _, e := range events {
				q.Enqueue(e)
			}
		}
		delete(handed, name)
	}
	for name, events := range handed {
		// Its webhook was removed since, by a later reload.
		h.log.Warn("notifications dropped: their webhook was removed while a reload changed it", "webhook", name, "dropped", len(events))
	}
	for _, e := range h.held {
		for _, q := range h.waiting {
			if e.Seq > h.waitingSince[q] {
				q.Enqueue(e)
			}
		}
	}
	h.held = nil
	h.queues, h.keys = append(h.queues, h.waiting...), append(h.keys, h.waitingKeys...)
	h.waiting, h.waitingKeys, h.waitingSince = nil, nil, nil
}

// keepQueues splits queues (with their keys) into those whose key keep
// holds and the others, each returned with their keys.
func keepQueues(queues []*notify.Queue, keys []string, keep map[string]bool) (kept []*notify.Queue, keptKeys []string, gone []*notify.Queue, goneKeys []string) {
	for i, q := range queues {
		if keep[keys[i]] {
			kept, keptKeys = append(kept, q), append(keptKeys, keys[i])
		} else {
			gone, goneKeys = append(gone, q), append(goneKeys, keys[i])
		}
	}
	return kept, keptKeys, gone, goneKeys
}

// remember adds e to the history. If e's service already has
// eventHistoryPerService events there, its oldest goes; else, if the
// history is full, the oldest goes.
func (h *eventsActor) remember(e *notify.Event) {
	first, n := -1, 0
	for i, o := range h.history {
		if o.Service == e.Service {
			if n == 0 {
				first = i
			}
			n++
		}
	}
	switch {
	case n >= eventHistoryPerService:
		h.history = slices.Delete(h.history, first, first+1)
	case len(h.history) >= eventHistory:
		h.history = slices.Delete(h.history, 0, 1)
	}
	h.history = append(h.history, e)
}

// replaceNotifiers installs the notifiers of a reloaded superd.conf: the
// queues whose webhookKey keep holds stay, the others flush in the
// background (bounded by eventFlush), and queues (with their keys) are
// added.
type replaceNotifiers struct {
	keep   map[string]bool
	queues []*notify.Queue
	keys   []string
}

// webhookKey identifies a webhook's whole configuration (its URL,
// secrets, CA, filter, limits): a reload keeps the queue of a webhook
// whose key is the same. The key starts with the webhook's name and a
// slash (see keyName): a key that changed under the same name is a
// webhook changed, not one removed.
func webhookKey(w config.Webhook) string {
	return w.Name + "/" + (&config.Daemon{Webhooks: []config.Webhook{w}}).ComputeHash()
}

// keyName returns the name of the webhook whose webhookKey is key.
func keyName(key string) string {
	name, _, _ := strings.Cut(key, "/") // a name has no slash
	return name
}

// closeQueues closes queues in parallel, giving each of them wait to
// deliver what it holds: a webhook that hangs uses up its own time, never
// that of the others. A queue that does not flush in time logs it with its
// own logger, which names its webhook.
func closeQueues(queues []*notify.Queue, wait time.Duration) {
	retireQueues(queues, nil, nil, wait)
}

// retireQueues closes the queues of close as closeQueues does and, in
// parallel, has those of handoff (their webhooks' names in names, in the
// same order) hand off what they did not deliver within wait (see
// notify.Queue.Handoff), and returns that by webhook name.
func retireQueues(close, handoff []*notify.Queue, names []string, wait time.Duration) map[string][]notify.Event {
	fctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		handed = make(map[string][]notify.Event)
	)
	for _, q := range close {
		wg.Go(func() {
			_ = q.Close(fctx) // a queue that gives up logs it, naming its webhook
		})
	}
	for i, q := range handoff {
		wg.Go(func() {
			events := q.Handoff(fctx)
			mu.Lock()
			defer mu.Unlock()
			handed[names[i]] = append(handed[names[i]], events...)
		})
	}
	wg.Wait()
	return handed
}

// webhookKeys returns the webhookKey of every webhook of d (none if d is
// nil), in order.
func webhookKeys(d *config.Daemon) []string {
	if d == nil {
		return nil
	}
	keys := make([]string, len(d.Webhooks))
	for i, w := range d.Webhooks {
		keys[i] = webhookKey(w)
	}
	return keys
}

// webhookQueues builds one bounded queue per webhook of d whose key (see
// webhookKey) skip does not hold, and returns them with their keys.
func webhookQueues(d *config.Daemon, skip map[string]bool, version string, log *slog.Logger) ([]*notify.Queue, []string, error) {
	var (
		queues []*notify.Queue
		keys   []string
	)
	fail := func(err error) ([]*notify.Queue, []string, error) {
		closeQueues(queues, eventFlush)
		return nil, nil, err
	}
	for _, w := range d.Webhooks {
		key := webhookKey(w)
		if skip[key] {
			continue
		}
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
		userAgent := "" // notify's default, "supers": no empty version
		if version != "" {
			userAgent = "supers/" + version
		}
		wh, err := notify.NewWebhook(notify.WebhookConfig{
			Name:        w.Name,
			URL:         w.URL,
			Filter:      notify.Filter{Events: w.Events, Services: w.Services},
			Secrets:     secrets,
			Timeout:     w.Timeout,
			Retries:     retries,
			DenyPrivate: w.DenyPrivate,
			CA:          w.CA,
			UserAgent:   userAgent,
			Logger:      log,
		})
		if err != nil {
			return fail(fmt.Errorf("superd.conf: webhook %s: %w", w.Name, err))
		}
		queues = append(queues, notify.NewQueue(wh, 0, log.With("webhook", w.Name)))
		keys = append(keys, key)
		log.Info("webhook configured", "webhook", w.Name)
	}
	return queues, keys, nil
}

// publish sends e to the event hub, if there is one.
func publish(ctx actor.Context, hub *actor.PID, e notify.Event) {
	if hub != nil {
		ctx.Send(hub, &eventPublished{event: e})
	}
}

// subscriberBuffer is the capacity of one stream client's channel.
const subscriberBuffer = 256

// subscriberBacklog bounds the events waiting for one stream client beyond
// its channel: a burst (a reload restarting many services publishes three
// events each at once) outruns any reader, and waits there; a client that
// falls this far behind is dropped (its stream ends) rather than making the
// hub hold events without bound. subscriberBacklogBytes bounds the same
// backlog in bytes (as eventBytes counts them, shared events included),
// for events with long reasons (config-errors).
const (
	subscriberBacklog      = 2048
	subscriberBacklogBytes = 4 << 20
)

// streamsBudget bounds what the backlogs of all the streams hold together
// (heldBytes): every client of the socket may follow the events (512
// connections), and a stalled one must not cost its own copy of every
// event it has not read. The backlogs share the events they hold (the hub's
// own, each counted once; a stream's client gets a copy of its own only
// when the event goes into its channel), so stalled clients cost a slot per
// event each; past the budget (clients filtered on different services hold
// different events), the stream furthest behind is dropped, as one too
// slow is.
const streamsBudget = 16 << 20

// backlogSlot is what one entry of a backlog counts, beside the event it
// holds: a pointer, and room for the slice's growth.
const backlogSlot = 2 * int(unsafe.Sizeof((*heldEvent)(nil)))

// heldEvent is an event that the backlogs of one or more streams hold:
// one copy, shared by all of them, which the hub never changes.
type heldEvent struct {
	e    notify.Event
	size int // eventBytes(e)
	refs int // the backlog entries holding it
}

// eventBytes is about how much memory e holds: the struct, its strings
// and its slices (strings shared with other events, such as Host, are
// counted too: a bound, not an exact count).
func eventBytes(e *notify.Event) int {
	n := int(unsafe.Sizeof(heldEvent{})) + // the event's struct, in it
		len(e.ID) + len(e.Type) + len(e.Service) + len(e.Host) + len(e.Signal) +
		len(e.Reason) + len(e.By) + len(e.Hash) + len(e.File) + len(e.Stream)
	if e.Code != nil {
		n += int(unsafe.Sizeof(*e.Code))
	}
	for _, names := range [][]string{e.Added, e.Removed, e.Changed} {
		for _, name := range names {
			n += int(unsafe.Sizeof(name)) + len(name)
		}
	}
	return n
}

// streamsHeld asks the hub what the backlogs of its streams hold.
type streamsHeld struct {
	reply chan<- heldStats
}

// heldStats answers streamsHeld: the bytes held (heldBytes), the events
// held, and the live streams.
type heldStats struct {
	bytes, events, streams int
}

// backlogRetry is how often the hub moves backlogged events into the
// channels of the stream clients that have some.
const backlogRetry = 10 * time.Millisecond

// subscriber is one live event stream (GET /v1/events?follow=true).
type subscriber struct {
	service string // "" = all
	ch      chan notify.Event
	dropped *atomic.Bool // set before ch is closed to drop it
	backlog []*heldEvent // events that did not fit in ch yet, oldest first
	// backlogBytes is what backlog holds: each event's size, counted for
	// every backlog holding it, and a backlogSlot per entry.
	backlogBytes int
	// stop removes the hook that unsubscribes when the caller's context
	// ends: the hook holds the supervisor, and a stream the hub ends
	// itself must not keep it alive for as long as that context lives.
	stop func() bool
}

// end closes the stream for good.
func (sub *subscriber) end() {
	sub.stop()
	close(sub.ch)
}

// pushBacklogs tells the hub to move backlogged events into their
// channels.
type pushBacklogs struct{}

// subscribe asks the hub for its history (filtered by service) and, with
// follow, a live channel that starts right after it: no event is missed or
// repeated between the two.
type subscribe struct {
	service string
	follow  bool
	reply   chan<- subscription
	// With follow: the caller's context, whose end calls unsubscribe with
	// the subscription's id (nil: no hook; the stream ends with the hub).
	ctx         context.Context
	unsubscribe func(id uint64)
}

// subscription answers subscribe.
type subscription struct {
	history []notify.Event
	id      uint64
	live    <-chan notify.Event // nil without follow; closed by the hub
	dropped *atomic.Bool        // with follow: set if the hub dropped live
}

// closeStreams ends every live stream (superd is shutting down, its
// services stopped): each stream ends once its client has been handed
// every event so far (the stops), or at deadline, when what is left is
// lost and the client told so (as when it is dropped for being too slow).
// done, if not nil, is closed once no stream is left. A stream asked for
// afterwards gets the history and ends at once.
type closeStreams struct {
	deadline time.Time
	done     chan struct{}
}

// endStreams carries out h.ending: it ends the streams whose backlog is
// empty (what their channel holds is still read), and after the deadline
// all of them; while some are left it tries again after backlogRetry.
func (h *eventsActor) endStreams(ctx actor.Context) {
	late := !time.Now().Before(h.ending.deadline)
	for id, sub := range h.subs {
		if h.push(id, sub) && !late {
			continue
		}
		if _, ok := h.subs[id]; ok { // not dropped by push
			h.endStream(id, sub)
		}
	}
	if len(h.subs) > 0 {
		h.retryBacklogs(ctx, true)
		return
	}
	if h.ending.done != nil {
		close(h.ending.done)
		h.ending.done = nil
	}
}

// endAllStreams ends every live stream now (the hub stops).
func (h *eventsActor) endAllStreams() {
	for id, sub := range h.subs {
		h.push(id, sub) // what fits: the client reads it before the end
		if _, ok := h.subs[id]; ok {
			h.endStream(id, sub)
		}
	}
	if h.ending != nil && h.ending.done != nil {
		close(h.ending.done)
		h.ending.done = nil
	}
}

// endStream ends the stream id; a backlog left is lost, and the client is
// told, as when it is dropped for being too slow.
func (h *eventsActor) endStream(id uint64, sub *subscriber) {
	if len(sub.backlog) > 0 {
		sub.dropped.Store(true)
	}
	h.release(sub)
	delete(h.subs, id)
	sub.end()
}

// hold adds he to the end of sub's backlog.
func (h *eventsActor) hold(sub *subscriber, he *heldEvent) {
	if he.refs == 0 {
		h.heldBytes += he.size
		h.heldEvents++
	}
	he.refs++
	sub.backlog = append(sub.backlog, he)
	sub.backlogBytes += he.size + backlogSlot
	h.heldBytes += backlogSlot
}

// unhold takes the first event off sub's backlog and returns it.
func (h *eventsActor) unhold(sub *subscriber) *heldEvent {
	he := sub.backlog[0]
	sub.backlog[0] = nil
	sub.backlog = sub.backlog[1:]
	sub.backlogBytes -= he.size + backlogSlot
	h.heldBytes -= backlogSlot
	if he.refs--; he.refs == 0 {
		h.heldBytes -= he.size
		h.heldEvents--
	}
	return he
}

// release empties sub's backlog (its stream ends).
func (h *eventsActor) release(sub *subscriber) {
	for len(sub.backlog) > 0 {
		h.unhold(sub)
	}
	sub.backlog = nil
}

// drop ends the stream id, whose client does not keep up: what its backlog
// holds is lost, and the client is told.
func (h *eventsActor) drop(id uint64, sub *subscriber) {
	h.log.Warn("event stream client too slow; closing its stream", "subscriber", id)
	sub.dropped.Store(true)
	h.release(sub)
	delete(h.subs, id)
	sub.end()
}

// unsubscribe ends a live stream (its client went away).
type unsubscribe struct {
	id uint64
}

// matchService reports whether e is about service ("" = every service): an
// event of that service, a reload that added, removed or changed it, or a
// config-error that has no service (superd.conf, the config dir), as a
// webhook's Services= filter sees it.
func matchService(service string, e notify.Event) bool {
	return service == "" || notify.Filter{Services: []string{service}}.Match(e)
}

func (h *eventsActor) handleSubscribe(m *subscribe) {
	var sub subscription
	for _, e := range h.history {
		if matchService(m.service, *e) {
			sub.history = append(sub.history, callersCopy(*e))
		}
	}
	if m.follow && h.ending != nil {
		// superd is shutting down: the history, then the end.
		ch := make(chan notify.Event)
		close(ch)
		sub.live, sub.dropped = ch, new(atomic.Bool)
	} else if m.follow {
		if h.subs == nil {
			h.subs = make(map[uint64]*subscriber)
		}
		h.nextSub++
		id := h.nextSub
		ch := make(chan notify.Event, subscriberBuffer)
		dropped := new(atomic.Bool)
		// Also when the caller gave up before this reply: its context is
		// done, and the hook runs at once.
		stop := func() bool { return false }
		if m.ctx != nil {
			stop = context.AfterFunc(m.ctx, func() { m.unsubscribe(id) })
		}
		h.subs[id] = &subscriber{service: m.service, ch: ch, dropped: dropped, stop: stop}
		sub.id, sub.live, sub.dropped = id, ch, dropped
	}
	m.reply <- sub
}

// callersCopy returns e with slices and an exit code of its own: the
// events of Events are their caller's to change, and the hub's own stay
// as they were, for the history, the other streams and the notifiers
// (which encode them in goroutines of their own).
func callersCopy(e notify.Event) notify.Event {
	if e.Code != nil {
		code := *e.Code
		e.Code = &code
	}
	e.Added, e.Removed, e.Changed = slices.Clone(e.Added), slices.Clone(e.Removed), slices.Clone(e.Changed)
	return e
}

// fanOut hands e to every live stream that wants it, dropping the streams
// whose client does not keep up. It reports whether some stream has a
// backlog left.
func (h *eventsActor) fanOut(e notify.Event) bool {
	backlog := false
	var held *heldEvent // one for every backlog: the event is not copied
	for id, sub := range h.subs {
		if !matchService(sub.service, e) {
			continue
		}
		// The hub alone sends on ch: with room in it, the send cannot block.
		if len(sub.backlog) == 0 && len(sub.ch) < cap(sub.ch) {
			sub.ch <- callersCopy(e)
			continue
		}
		if held == nil {
			held = &heldEvent{e: e, size: eventBytes(&e)}
		}
		h.hold(sub, held)
		if h.push(id, sub) {
			backlog = true
		}
	}
	if held != nil {
		h.keepBudget() // a stream it drops leaves backlog true: one more try
	}
	return backlog
}

// keepBudget drops the streams furthest behind (whose backlogs hold the
// most bytes) until what the backlogs hold together is within
// streamsBudget.
func (h *eventsActor) keepBudget() {
	for h.heldBytes > streamsBudget {
		var (
			worst   *subscriber
			worstID uint64
		)
		for id, sub := range h.subs {
			if worst == nil || sub.backlogBytes > worst.backlogBytes {
				worst, worstID = sub, id
			}
		}
		if worst == nil || worst.backlogBytes == 0 {
			return // cannot happen: every byte held is in a backlog
		}
		h.drop(worstID, worst)
	}
}

// push moves what it can of sub's backlog into its channel, and drops the
// stream if its client is too far behind. It reports whether a backlog is
// left.
func (h *eventsActor) push(id uint64, sub *subscriber) bool {
	// The hub alone sends on ch: with room in it, the send cannot block.
	for len(sub.backlog) > 0 && len(sub.ch) < cap(sub.ch) {
		sub.ch <- callersCopy(h.unhold(sub).e)
	}
	if len(sub.backlog) == 0 {
		sub.backlog = nil
		return false
	}
	if len(sub.backlog) <= subscriberBacklog && sub.backlogBytes <= subscriberBacklogBytes {
		return true
	}
	h.drop(id, sub)
	return false
}

// pushBacklogs moves backlogged events into their channels, and asks for
// another try after backlogRetry while some are left.
func (h *eventsActor) pushBacklogs(ctx actor.Context) {
	left := false
	for id, sub := range h.subs {
		if h.push(id, sub) {
			left = true
		}
	}
	h.retryBacklogs(ctx, left)
}

// retryBacklogs arranges a pushBacklogs after backlogRetry if left and
// none is pending.
func (h *eventsActor) retryBacklogs(ctx actor.Context, left bool) {
	if !left || h.backlogTimer != nil {
		return
	}
	self, root := ctx.Self(), ctx.ActorSystem().Root
	h.backlogTimer = time.AfterFunc(backlogRetry, func() { root.Send(self, &pushBacklogs{}) })
}
