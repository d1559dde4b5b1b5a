package actors

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/supers-dev/supers/notify"
)

// heldByHub asks the hub what its streams' backlogs hold, once it has
// handled every message sent before.
func heldByHub(t *testing.T, system *actor.ActorSystem, hub *actor.PID) heldStats {
	t.Helper()
	reply := make(chan heldStats, 1)
	system.Root.Send(hub, &streamsHeld{reply: reply})
	select {
	case st := <-reply:
		return st
	case <-time.After(10 * time.Second):
		t.Fatal("the hub did not answer streamsHeld")
		return heldStats{}
	}
}

// liveReader follows the hub's events on a goroutine of its own, as fast as
// it can, checking that they come in order (by Seq) with none missing.
type liveReader struct {
	sub  subscription
	got  atomic.Int64 // events read
	bad  atomic.Value // string: the first event out of order
	done chan struct{}
}

func newLiveReader(t *testing.T, system *actor.ActorSystem, hub *actor.PID) *liveReader {
	t.Helper()
	reply := make(chan subscription, 1)
	system.Root.Send(hub, &subscribe{follow: true, reply: reply})
	r := &liveReader{sub: <-reply, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		for e := range r.sub.live {
			if n := r.got.Add(1); e.Seq != uint64(n) && r.bad.Load() == nil {
				r.bad.Store(fmt.Sprintf("event %d has seq %d", n, e.Seq))
			}
		}
	}()
	return r
}

// waitFor waits until the reader has read n events.
func (r *liveReader) waitFor(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for r.got.Load() < int64(n) {
		if time.Now().After(deadline) {
			t.Fatalf("the live reader has %d events of %d", r.got.Load(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// stop stops the hub, which ends the reader's stream, and waits for the
// reader to end.
func (r *liveReader) stop(t *testing.T, system *actor.ActorSystem, hub *actor.PID) {
	t.Helper()
	if err := system.Root.StopFuture(hub).Wait(); err != nil {
		t.Error(err)
	}
	select {
	case <-r.done:
	case <-time.After(10 * time.Second):
		t.Error("the live reader's stream did not end with the hub")
	}
}

// check fails t unless the reader got exactly n events, in order, and was
// not dropped.
func (r *liveReader) check(t *testing.T, n int) {
	t.Helper()
	if bad, _ := r.bad.Load().(string); bad != "" {
		t.Errorf("live reader: %s: out of order or lost", bad)
	}
	if got := r.got.Load(); got != int64(n) {
		t.Errorf("the live reader got %d events, want %d", got, n)
	}
	if r.sub.dropped.Load() {
		t.Error("the live reader's stream was dropped")
	}
}

// stalledStreams subscribes n streams that are never read, the i-th with
// service(i) as its filter, and returns them.
func stalledStreams(system *actor.ActorSystem, hub *actor.PID, n int, service func(int) string) []subscription {
	subs := make([]subscription, n)
	for i := range subs {
		reply := make(chan subscription, 1)
		system.Root.Send(hub, &subscribe{service: service(i), follow: true, reply: reply})
		subs[i] = <-reply
	}
	return subs
}

// TestEventStreamsStalledShareEvents: clients that follow every event and
// stop reading (a suspended `supers events -f`) share the events they have
// not read: each costs a slot per event, not a copy of it, so a hundred of
// them hold a few MiB, not a hundred times the events. A reader that keeps
// up gets every event meanwhile.
func TestEventStreamsStalledShareEvents(t *testing.T) {
	system, hub := startHub(t)
	const stalled = 100
	subs := stalledStreams(system, hub, stalled, func(int) string { return "" })
	live := newLiveReader(t, system, hub)
	defer live.stop(t, system, hub)

	// Short of the point where a stalled stream is dropped for being too
	// far behind (subscriberBuffer + subscriberBacklog).
	const n = subscriberBuffer + subscriberBacklog - 100
	reason := strings.Repeat("r", 1<<10)
	var size int
	for i := range n {
		e := notify.NewEvent(notify.TypeExit, fmt.Sprintf("s%d", i%2))
		e.Reason = reason
		if i == 0 {
			size = eventBytes(&e)
		}
		system.Root.Send(hub, &eventPublished{event: e})
		if i%100 == 99 {
			live.waitFor(t, i+1)
		}
	}
	live.waitFor(t, n)
	st := heldByHub(t, system, hub)
	backlog := n - subscriberBuffer // what each stalled stream holds beyond its channel
	if st.streams != stalled+1 {
		t.Errorf("%d live streams, want %d: stalled streams were dropped short of their limit", st.streams, stalled+1)
	}
	// Each event held once, and a slot per stalled stream and event.
	if limit := backlog*size + stalled*backlog*backlogSlot; st.bytes > limit || st.events > backlog {
		t.Errorf("%d stalled streams hold %d bytes (%d events), want at most %d (%d events of %d bytes, shared)",
			stalled, st.bytes, st.events, limit, backlog, size)
	}
	for i, sub := range subs {
		if sub.dropped.Load() {
			t.Fatalf("stalled stream %d dropped short of its limit", i)
		}
	}
	live.check(t, n)
}

// TestEventStreamsBudget: stalled clients that each follow a service of
// their own hold different events, which no sharing bounds; what all the
// streams hold together stays within streamsBudget, the streams furthest
// behind being dropped (and told so), and a reader that keeps up is not
// dropped and gets every event.
func TestEventStreamsBudget(t *testing.T) {
	system, hub := startHub(t)
	const stalled = 40
	subs := stalledStreams(system, hub, stalled, func(i int) string { return fmt.Sprintf("s%d", i) })
	live := newLiveReader(t, system, hub)
	defer live.stop(t, system, hub)

	// Each stalled stream gets 400 events of about 4 KiB: 40 of them would
	// hold about 26 MiB beyond their channels, well past the budget.
	const rounds = 400
	reason := strings.Repeat("r", 4<<10)
	most := 0
	for round := range rounds {
		for i := range stalled {
			e := notify.NewEvent(notify.TypeExit, fmt.Sprintf("s%d", i))
			e.Reason = reason
			system.Root.Send(hub, &eventPublished{event: e})
		}
		live.waitFor(t, (round+1)*stalled)
		if round%20 == 19 {
			most = max(most, heldByHub(t, system, hub).bytes)
		}
	}
	st := heldByHub(t, system, hub)
	most = max(most, st.bytes)
	if most > streamsBudget {
		t.Errorf("the streams held up to %d bytes, want at most streamsBudget (%d)", most, streamsBudget)
	}
	dropped := 0
	for _, sub := range subs {
		if sub.dropped.Load() {
			dropped++
		}
	}
	if dropped == 0 || st.streams != stalled+1-dropped {
		t.Errorf("%d stalled streams dropped, %d streams left; want some dropped, and %d left", dropped, st.streams, stalled+1-dropped)
	}
	live.check(t, rounds*stalled)
}
