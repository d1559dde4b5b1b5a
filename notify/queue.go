package notify

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// DefaultQueueCapacity is the capacity of a Queue created with capacity 0.
const DefaultQueueCapacity = 1000

// QueueStats counts what a Queue did with its events.
type QueueStats struct {
	// Delivered counts events the notifier accepted.
	Delivered uint64
	// Failed counts events the notifier gave up on, including one whose
	// delivery Close cancelled.
	Failed uint64
	// Dropped counts events discarded without a delivery: the oldest ones
	// pushed out of a full queue, those enqueued after Close, and those
	// still queued when Close's context ended.
	Dropped uint64
	// HandedOff counts the events Handoff gave back undelivered, for
	// another queue to deliver.
	HandedOff uint64
	// Queued is the number of events waiting now.
	Queued int
}

// Queue feeds one Notifier from a bounded in-memory queue, so that a slow
// or unreachable destination never blocks the caller: Enqueue never
// blocks, and when the queue is full the oldest event is dropped. One
// worker goroutine, owned by the Queue, delivers the events in order; Close
// stops it. A Queue is safe for concurrent use.
type Queue struct {
	n        Notifier
	log      *slog.Logger
	capacity int

	ctx    context.Context // the worker's; cancelled when Close gives up
	cancel context.CancelFunc
	wake   chan struct{} // capacity 1: "there is work, or we are closing"
	done   chan struct{} // closed when the worker has returned

	mu        sync.Mutex
	events    []Event // oldest first
	busy      bool    // the worker is delivering an event it took from events
	closed    bool
	delivered uint64
	failed    uint64
	dropped   uint64
	handedOff uint64
	// handingOff is set by Handoff, which closes stopRetries: a delivery
	// then makes no new attempt, and one that did not get through, cut
	// or failed, is kept in cut, to be handed off too, rather than lost.
	handingOff  bool
	stopRetries chan struct{}
	cut         *Event
	// lost counts the events the worker gave up on because Close's
	// context ended (the delivery it cut, and those still queued), for
	// Close to report in one warning.
	lost uint64
	// closeErr is the error of the Close whose context ended while events
	// were in flight or queued: with lost > 0, a later Close returns it
	// too.
	closeErr error

	// Drops from a full queue not yet reported, the last of them, when
	// the last "queue full" warning was logged, and the timer that logs
	// the unreported ones once dropLogInterval has passed since.
	unlogged    uint64
	lastDrop    Event
	lastDropLog time.Time
	dropTimer   *time.Timer
}

// dropLogInterval is the least time between two "queue full" warnings of
// one queue: a receiver that hangs while events keep coming would
// otherwise fill superd's log with one warning per event. The drops in
// between are reported by the next warning, at most that much later.
const dropLogInterval = time.Minute

// NewQueue starts a queue of the given capacity (0 means
// DefaultQueueCapacity) in front of n. If n implements Matcher, events it
// does not match are discarded by Enqueue without taking a slot. A nil
// logger discards. The caller must Close the queue.
func NewQueue(n Notifier, capacity int, logger *slog.Logger) *Queue {
	if capacity <= 0 {
		capacity = DefaultQueueCapacity
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	q := &Queue{
		n:        n,
		log:      logger,
		capacity: capacity,
		ctx:      ctx,
		cancel:   cancel,
		wake:     make(chan struct{}, 1),
		done:     make(chan struct{}),

		stopRetries: make(chan struct{}),
	}
	go q.run()
	return q
}

// Enqueue queues e for delivery and returns at once. When the queue is
// full, the oldest queued event is dropped: counted, and logged at most
// once a minute with how many were dropped since the last warning (drops
// that follow a warning are reported a minute after it, or by Close,
// whichever comes first). After Close, e is dropped.
func (q *Queue) Enqueue(e Event) {
	if !q.Wants(e) {
		return
	}
	q.mu.Lock()
	if q.closed {
		q.dropped++
		q.mu.Unlock()
		q.log.Warn("notification dropped: queue closed", "event", e.ID, "type", e.Type, "service", e.Service)
		return
	}
	full := len(q.events) >= q.capacity
	if full {
		q.lastDrop = q.events[0]
		q.events[0] = Event{} // release its slices
		q.events = q.events[1:]
		q.dropped++
		q.unlogged++
	}
	q.events = append(q.events, e)
	var report func()
	if full {
		switch now := time.Now(); {
		case q.lastDropLog.IsZero() || now.Sub(q.lastDropLog) >= dropLogInterval:
			report = q.takeDrops(now)
		case q.dropTimer == nil:
			q.dropTimer = time.AfterFunc(q.lastDropLog.Add(dropLogInterval).Sub(now), q.logDrops)
		}
	}
	q.mu.Unlock()
	if report != nil {
		report()
	}
	q.signal()
}

// Wants reports whether Enqueue would queue e: false when the notifier
// implements Matcher and does not match it.
func (q *Queue) Wants(e Event) bool {
	m, ok := q.n.(Matcher)
	return !ok || m.Match(e)
}

// logDrops logs the drops from a full queue not reported yet, if any.
func (q *Queue) logDrops() {
	q.mu.Lock()
	report := q.takeDrops(time.Now())
	q.mu.Unlock()
	if report != nil {
		report()
	}
}

// takeDrops marks the drops from a full queue not reported yet as
// reported at now, and returns the function that logs them (nil when there
// are none), to call once q.mu is unlocked. q.mu must be held.
func (q *Queue) takeDrops(now time.Time) func() {
	if q.dropTimer != nil {
		q.dropTimer.Stop()
		q.dropTimer = nil
	}
	n, last, total := q.unlogged, q.lastDrop, q.dropped
	if n == 0 {
		return nil
	}
	q.unlogged, q.lastDrop, q.lastDropLog = 0, Event{}, now
	return func() {
		q.log.Warn("notification queue full, oldest events dropped",
			"dropped", n, "last_dropped", last.ID, "type", last.Type, "service", last.Service,
			"capacity", q.capacity, "dropped_total", total)
	}
}

func (q *Queue) signal() {
	select {
	case q.wake <- struct{}{}:
	default: // a wake-up is already pending
	}
}

// endErr is what Close returns for a queue whose worker has ended: the
// error of the Close that gave events up, nil if none was lost (a
// second Close, a deferred one, must not call a lossy queue clean).
func (q *Queue) endErr() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.lost > 0 && q.closeErr != nil {
		return q.closeErr
	}
	return nil
}

// Stats returns the queue's counters.
func (q *Queue) Stats() QueueStats {
	q.mu.Lock()
	defer q.mu.Unlock()
	return QueueStats{
		Delivered: q.delivered,
		Failed:    q.failed,
		Dropped:   q.dropped,
		HandedOff: q.handedOff,
		Queued:    len(q.events),
	}
}

// Close stops taking events and lets the worker deliver what is queued
// until ctx is done; then, if a delivery is in flight or events are
// queued, it cancels the delivery, drops the rest, logs one warning with
// how many events were lost (with the queue's logger, which names the
// notifier), and returns ctx's error; a
// queue that lost nothing returns nil, even when ctx had ended.
// It returns once the worker has stopped and, if the notifier has a
// Close() method (as [Webhook] does, for its idle connections), called it.
// Calling it again waits for the same end, and returns the same error if
// events were lost.
func (q *Queue) Close(ctx context.Context) error {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.logDrops() // now rather than after the interval: nothing is dropped for being full any more
	q.signal()
	select {
	case <-q.done:
		// Ended already (checked first: with ctx done too, select
		// would pick either).
		return q.endErr()
	default:
	}
	select {
	case <-q.done:
		return q.endErr()
	case <-ctx.Done():
		q.mu.Lock()
		idle := len(q.events) == 0 && !q.busy
		q.mu.Unlock()
		if idle {
			// Nothing to give up: the worker, closed and out of events,
			// returns without delivering anything.
			<-q.done
			return nil
		}
		q.mu.Lock()
		q.closeErr = ctx.Err() // before the worker ends: a Close waiting for it reads it
		q.mu.Unlock()
		q.cancel()
		<-q.done
		q.mu.Lock()
		lost := q.lost
		q.mu.Unlock()
		if lost == 0 {
			return nil // the delivery in flight ended well meanwhile
		}
		q.log.Warn("notifier did not flush in time: undelivered events dropped", "dropped", lost, "err", ctx.Err())
		return ctx.Err()
	}
}

// Done is closed once the queue's worker has stopped, after Close or
// Handoff: an owner can tell a queue still to close from one closed.
func (q *Queue) Done() <-chan struct{} { return q.done }

// Handoff stops the queue as Close does, but gives back what it holds
// instead of delivering it, for another queue to deliver: one whose
// notifier replaces this one's (a webhook whose configuration changed). It
// lets the delivery in flight, if any, end until ctx is done, then
// cancels it: a notifier that retries (a Webhook) lets its attempt on the
// wire finish, but makes no new one nor waits out a backoff (they would be
// made with the replaced configuration: an old secret, a URL it moved
// away from). It returns the events not delivered, oldest first: the one
// in flight if it did not get through, failed or cancelled (its
// destination may have had it: sending it again is an at-least-once
// retry), then those that were queued. They count as HandedOff. Like Close,
// it returns once the worker has stopped, and Enqueue drops the events
// that come afterwards. It returns nil on a queue already closed.
func (q *Queue) Handoff(ctx context.Context) []Event {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		_ = q.Close(ctx)
		return nil
	}
	q.closed, q.handingOff = true, true
	close(q.stopRetries)
	rest := q.events
	q.events = nil
	q.mu.Unlock()
	q.logDrops() // nothing is dropped for being full any more
	q.signal()
	select {
	case <-q.done:
	case <-ctx.Done():
		q.cancel()
		<-q.done
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.cut != nil {
		rest = append([]Event{*q.cut}, rest...)
		q.cut = nil
	}
	q.handedOff += uint64(len(rest))
	return rest
}

// retrier is a Notifier that retries a delivery (a Webhook), and can be
// told to stop: once stop is closed it makes no new attempt and waits out
// no backoff, and returns the last attempt's error.
type retrier interface {
	notifyUntil(ctx context.Context, e Event, stop <-chan struct{}) error
}

// run is the worker: it delivers the queued events one at a time, oldest
// first, until the queue is closed and empty or its context is cancelled.
func (q *Queue) run() {
	defer close(q.done)
	defer q.cancel()
	if c, ok := q.n.(interface{ Close() }); ok {
		defer c.Close() // e.g. a Webhook's idle connections
	}
	for {
		q.mu.Lock()
		if q.ctx.Err() != nil {
			// Close gave up: it reports what is lost.
			q.dropped += uint64(len(q.events))
			q.lost += uint64(len(q.events))
			q.events = nil
			q.mu.Unlock()
			return
		}
		if len(q.events) == 0 {
			closed := q.closed
			q.mu.Unlock()
			if closed {
				return
			}
			select {
			case <-q.wake:
			case <-q.ctx.Done():
			}
			continue
		}
		e := q.events[0]
		q.events[0] = Event{}
		q.events = q.events[1:]
		q.busy = true
		q.mu.Unlock()

		var err error
		if r, ok := q.n.(retrier); ok {
			err = r.notifyUntil(q.ctx, e, q.stopRetries)
		} else {
			err = q.n.Notify(q.ctx, e)
		}

		q.mu.Lock()
		q.busy = false
		handed := err != nil && q.handingOff               // Handoff gives it back
		cut := err != nil && !handed && q.ctx.Err() != nil // by Close, which reports it
		switch {
		case err == nil:
			q.delivered++
		case handed:
			q.cut = &e
		case cut:
			q.failed++
			q.lost++
		default:
			q.failed++
		}
		q.mu.Unlock()
		if err != nil && !cut && !handed {
			// The one line of a lost event: the notifier's error says
			// where, how many attempts, and the last error.
			q.log.Error("notification failed", "event", e.ID, "type", e.Type, "service", e.Service, "err", err)
		}
	}
}
