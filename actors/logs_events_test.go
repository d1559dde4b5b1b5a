package actors

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/supers-dev/supers/logsink"
	"github.com/supers-dev/supers/notify"
)

// logsWithHub spawns a log sink actor that publishes to an event hub, and
// returns them with a function that reads the hub's history.
func logsWithHub(t *testing.T) (*actor.ActorSystem, *actor.PID, func() []notify.Event) {
	t.Helper()
	discard := slog.New(slog.DiscardHandler)
	sys := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return discard }))
	t.Cleanup(sys.Shutdown)
	hub := sys.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return &eventsActor{log: discard} }))
	logs := sys.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return newLogsActor(t.TempDir(), discard) }))
	sys.Root.Send(logs, &useEvents{hub: hub})
	return sys, logs, func() []notify.Event {
		reply := make(chan subscription, 1)
		sys.Root.Send(hub, &subscribe{reply: reply})
		return (<-reply).history
	}
}

// The log sink actor publishes a log-error event at a stream's first
// failure and not at the failures its Sink reports every second after it,
// a log-resumed when the stream writes again, then a log-error again at
// the next failure. Each stream has its own.
func TestLogsActorPublishesLogErrors(t *testing.T) {
	sys, logs, history := logsWithHub(t)

	full := errors.New("write stdout.log: no space left on device")
	for _, m := range []any{
		&sinkError{name: "web", stream: logsink.Stdout, err: full},
		&sinkError{name: "web", stream: logsink.Stdout, err: full}, // a second later: not again
		&sinkError{name: "web", stream: logsink.Stderr, err: full}, // its other stream: its own
		&sinkError{name: "web", stream: logsink.Stdout, err: full},
		&sinkResumed{name: "web", stream: logsink.Stdout, r: logsink.Resumption{Dropped: 4096, TotalDropped: 4096, Err: full}},
		&sinkError{name: "web", stream: logsink.Stdout, err: full},                                      // failing again: published at once
		&sinkResumed{name: "web", stream: logsink.Stderr, r: logsink.Resumption{Dropped: 1, Err: full}}, // the last
	} {
		sys.Root.Send(logs, m)
	}
	var got []notify.Event
	deadline := time.Now().Add(10 * time.Second)
	for (len(got) == 0 || got[len(got)-1].Type != notify.TypeLogResumed || got[len(got)-1].Stream != "stderr") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		got = history()
	}
	var kinds []string
	for _, e := range got {
		kinds = append(kinds, e.Type+"/"+e.Stream)
	}
	want := []string{"log-error/stdout", "log-error/stderr", "log-resumed/stdout", "log-error/stdout", "log-resumed/stderr"}
	if !slices.Equal(kinds, want) {
		t.Fatalf("events %q, want %q", kinds, want)
	}
	if r := got[2]; r.Service != "web" || r.DroppedBytes != 4096 || r.Reason != full.Error() {
		t.Errorf("log-resumed: %+v", r)
	}
	if e := got[0]; e.Service != "web" || e.Reason != full.Error() {
		t.Errorf("log-error: %+v", e)
	}
}

// A full disk fails every stream at once: at most logEventsPerSecond log
// events are published in a second, and a stream held back is published
// when it reports its failure again a second later.
func TestLogsActorBoundsLogEventsPerSecond(t *testing.T) {
	sys, logs, history := logsWithHub(t)
	full := errors.New("no space left on device")
	const streams = logEventsPerSecond + 5
	for i := range streams {
		sys.Root.Send(logs, &sinkError{name: fmt.Sprintf("s%02d", i), stream: logsink.Stdout, err: full})
	}
	// The actor handles its messages in order: once a later message's
	// event is in, the burst has been handled.
	probe := &sinkError{name: "probe", stream: logsink.Stdout, err: full}
	sys.Root.Send(logs, probe)
	var got []notify.Event
	deadline := time.Now().Add(10 * time.Second)
	for {
		got = history()
		if n := len(got); n > 0 && got[n-1].Service == "probe" || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
		// A new second lets the probe through.
		sys.Root.Send(logs, probe)
	}
	errs := 0
	for _, e := range got {
		if e.Type == notify.TypeLogError && e.Service != "probe" {
			errs++
		}
	}
	if errs != logEventsPerSecond {
		t.Fatalf("%d log-error events of a burst of %d, want %d", errs, streams, logEventsPerSecond)
	}
	// Another stream held back resumes, in a later second: no log-resumed
	// without its log-error. One that dropped output with no failure (a
	// full queue) has its log-resumed.
	held := fmt.Sprintf("s%02d", streams-2)
	sys.Root.Send(logs, &sinkResumed{name: held, stream: logsink.Stdout, r: logsink.Resumption{Dropped: 1, Err: full}})
	sys.Root.Send(logs, &sinkResumed{name: "queue", stream: logsink.Stdout, r: logsink.Resumption{Dropped: 1}})
	deadline = time.Now().Add(10 * time.Second)
	for !slices.ContainsFunc(history(), func(e notify.Event) bool { return e.Service == "queue" }) {
		if time.Now().After(deadline) {
			t.Fatal("no log-resumed of a stream that dropped output with no failure")
		}
		time.Sleep(10 * time.Millisecond)
		sys.Root.Send(logs, &sinkResumed{name: "queue", stream: logsink.Stdout, r: logsink.Resumption{Dropped: 1}}) // a new second lets it through
	}
	for _, e := range history() {
		if e.Service == held {
			t.Errorf("a %s event of %s, whose log-error was held back", e.Type, held)
		}
	}
	// The last stream held back reports its failure again: published.
	last := fmt.Sprintf("s%02d", streams-1)
	deadline = time.Now().Add(10 * time.Second)
	for !slices.ContainsFunc(history(), func(e notify.Event) bool { return e.Service == last }) {
		if time.Now().After(deadline) {
			t.Fatalf("no log-error of %s", last)
		}
		sys.Root.Send(logs, &sinkError{name: last, stream: logsink.Stdout, err: full})
		time.Sleep(100 * time.Millisecond)
	}
}
