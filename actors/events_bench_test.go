package actors

import (
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/supers-dev/supers/notify"
)

// BenchmarkEventFanOut measures the event hub's hot path: a service
// actor's publish (a message to the hub actor's mailbox), the history ring
// and the hand-off to every live event stream (GET /v1/events?follow=true),
// until each stream's reader has the event. "one" publishes one event and
// waits for every reader; "burst" publishes 200 events at once (below the
// 256-event buffer of a stream, so no reader is dropped) and reports the
// cost per event.
func BenchmarkEventFanOut(b *testing.B) {
	for _, streams := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("one/streams=%d", streams), func(b *testing.B) { benchFanOut(b, streams, 1) })
		b.Run(fmt.Sprintf("burst/streams=%d", streams), func(b *testing.B) { benchFanOut(b, streams, 200) })
	}
}

func benchFanOut(b *testing.B, streams, burst int) {
	discard := slog.New(slog.DiscardHandler)
	sys := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return discard }))
	defer sys.Shutdown()
	hub := sys.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return &eventsActor{log: discard} }))

	var received, readers sync.WaitGroup
	for range streams {
		reply := make(chan subscription, 1)
		sys.Root.Send(hub, &subscribe{follow: true, reply: reply})
		sub := <-reply
		readers.Go(func() {
			for range sub.live {
				received.Done()
			}
		})
	}
	events := make([]*eventPublished, burst)
	for i := range events {
		events[i] = &eventPublished{event: notify.Event{
			Version: notify.SchemaVersion, ID: fmt.Sprintf("evt_%d", i), Type: notify.TypeStart,
			Service: "web", Time: time.Now(), Host: "bench", PID: 4242,
		}}
	}
	b.ReportAllocs()
	for b.Loop() {
		received.Add(streams * burst)
		for _, e := range events {
			sys.Root.Send(hub, e)
		}
		received.Wait()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*burst), "ns/event")

	// Ending the streams ends the readers.
	sys.Root.Send(hub, &closeStreams{})
	readers.Wait()
	if err := sys.Root.StopFuture(hub).Wait(); err != nil {
		b.Error(err)
	}
}
