package actors

import (
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/supers-dev/supers/notify"
)

// followBurst publishes n events to a new hub with one follower that reads
// nothing until the hub has handled them all, then reads the stream. It
// returns how many events the follower got before its stream ended or went
// quiet for 10 s, and whether the stream was closed, and dropped.
func followBurst(t *testing.T, n int) (got int, closed, dropped bool) {
	t.Helper()
	system, hub := startHub(t)
	defer func() {
		if err := system.Root.StopFuture(hub).Wait(); err != nil {
			t.Error(err)
		}
	}()
	reply := make(chan subscription, 1)
	system.Root.Send(hub, &subscribe{follow: true, reply: reply})
	sub := <-reply
	for i := range n {
		e := notify.NewEvent(notify.TypeStart, "s")
		e.PID = i + 1
		system.Root.Send(hub, &eventPublished{event: e})
	}
	// The hub has handled every event once it answers this.
	system.Root.Send(hub, &subscribe{reply: reply})
	<-reply
	for got < n {
		select {
		case e, ok := <-sub.live:
			if !ok {
				return got, true, sub.dropped.Load()
			}
			if e.PID != got+1 {
				t.Fatalf("event %d has pid %d: out of order or lost", got+1, e.PID)
			}
			got++
		case <-time.After(10 * time.Second):
			return got, false, false
		}
	}
	return got, false, false
}

// TestEventsFollowerSurvivesReloadBurst: a reload that restarts a few
// hundred services publishes three events each in a few milliseconds,
// faster than any client reads them off a socket. A follower (supers
// events -f) that reads as fast as it can must get them all, in order,
// instead of having its stream cut ("superd closed the event stream") in
// the middle of the deploy it is watching.
func TestEventsFollowerSurvivesReloadBurst(t *testing.T) {
	const n = 3*400 + 1 // a reload of 400 services: exit, stop and start each
	got, closed, _ := followBurst(t, n)
	if got != n || closed {
		t.Errorf("the follower got %d of %d events (stream closed: %v)", got, n, closed)
	}
}

// TestEventsFollowerTooFarBehindIsDropped: a follower that does not read
// at all is still dropped once it is too far behind, so that it cannot
// make the hub hold events without bound.
func TestEventsFollowerTooFarBehindIsDropped(t *testing.T) {
	n := subscriberBuffer + subscriberBacklog + 10
	got, closed, dropped := followBurst(t, n)
	if !closed || !dropped || got >= n {
		t.Errorf("the follower got %d of %d events, stream closed: %v, dropped: %v; want it dropped early", got, n, closed, dropped)
	}
}

// TestEventsStreamClosedAtShutdownIsNotDropped: closeStreams (superd shuts
// down) ends a live stream without marking it dropped, so its client is
// not told it read too slowly.
func TestEventsStreamClosedAtShutdownIsNotDropped(t *testing.T) {
	system, hub := startHub(t)
	defer func() { _ = system.Root.StopFuture(hub).Wait() }()
	reply := make(chan subscription, 1)
	system.Root.Send(hub, &subscribe{follow: true, reply: reply})
	sub := <-reply
	system.Root.Send(hub, &closeStreams{})
	select {
	case _, ok := <-sub.live:
		if ok {
			t.Fatal("an event on a stream with nothing published")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("closeStreams did not close the stream")
	}
	if sub.dropped.Load() {
		t.Error("a stream closed at shutdown is marked dropped")
	}
}

// startHub starts an event hub with queues for its notifiers, on an actor
// system of its own that logs nothing and is shut down with the test.
func startHub(t *testing.T, queues ...*notify.Queue) (*actor.ActorSystem, *actor.PID) {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return log }))
	t.Cleanup(system.Shutdown)
	keys := make([]string, len(queues)) // q0, q1, ...: the queues' webhookKey
	for i := range keys {
		keys[i] = "q" + strconv.Itoa(i)
	}
	hub := system.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return &eventsActor{log: log, queues: queues, keys: keys} }))
	return system, hub
}
