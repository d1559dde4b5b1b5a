package actors

import (
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/supers-dev/supers/logsink"
	"github.com/supers-dev/supers/notify"
)

// A failure that dropped no output (here an empty directory found at
// stdout.log, which the Sink removes) has no log-resumed to end it: it
// must not hold back the log-error of a failure that does drop output
// right after it. That one was held back for logErrorEvery, a minute: a
// full disk after a failed rotation went unreported meanwhile. The loss
// is published at once, and its log-resumed when writing resumes.
func TestLogErrorThatDroppedNothingDoesNotHoldBackALoss(t *testing.T) {
	var buf lockedBuffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	sys, pid := spawnLogsActor(t, log)
	hub := sys.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return &eventsActor{log: slog.New(slog.DiscardHandler)} }))
	t.Cleanup(func() { _ = sys.Root.StopFuture(pid).Wait() }) // closes the Sink
	sys.Root.Send(pid, &useEvents{hub: hub})
	history := func() []notify.Event {
		reply := make(chan subscription, 1)
		sys.Root.Send(hub, &subscribe{reply: reply})
		return (<-reply).history
	}
	waitEvents := func(what string, n int) []notify.Event {
		t.Helper()
		var got []notify.Event
		// Well below logErrorEvery: a failure held back by the gate
		// would come only once it expires.
		deadline := time.Now().Add(20 * time.Second)
		for got = history(); len(got) < n; got = history() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s; events: %+v", what, got)
			}
			time.Sleep(10 * time.Millisecond)
		}
		return got
	}

	sink, stdout := openSvcSink(t, sys, pid)
	written := uint64(0)
	send := func(line string) {
		t.Helper()
		if _, err := stdout.WriteString(line); err != nil {
			t.Fatal(err)
		}
	}
	send("first line\n")
	written += 11
	waitUntil(t, "the first line written", func() bool { return sink.Stats().Stdout.BytesWritten == written })

	// An empty directory at stdout.log: removed, reported, and the line
	// written all the same. Nothing dropped.
	path := sink.Path(logsink.Stdout)
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(path, 0o750); err != nil {
		t.Fatal(err)
	}
	send("kept line\n")
	written += 10
	waitUntil(t, "the second line written", func() bool { return sink.Stats().Stdout.BytesWritten == written })
	got := waitEvents("the log-error of the directory removed", 1)
	if e := got[0]; e.Type != notify.TypeLogError || !strings.Contains(e.Reason, "removed it") || e.DroppedBytes != 0 {
		t.Fatalf("first event %+v, want the log-error of the directory removed, nothing dropped", e)
	}
	waitUntil(t, "the failure logged", func() bool { return strings.Contains(buf.String(), "log file problem; no output dropped") })

	// A directory that cannot be removed: the next line is dropped.
	blockLogFile(t, path)
	send("lost line\n")
	waitUntil(t, "the line dropped", func() bool { return sink.Stats().Stdout.BytesDropped == 10 })
	got = waitEvents("the log-error of the loss", 2)
	if e := got[1]; e.Type != notify.TypeLogError || e.DroppedBytes != 10 {
		t.Fatalf("second event %+v, want a log-error with 10 bytes dropped", e)
	}

	// Gone again: writing resumes, and its log-resumed is published.
	if err := os.RemoveAll(path); err != nil {
		t.Fatal(err)
	}
	send("back again\n")
	got = waitEvents("the log-resumed", 3)
	var kinds []string
	for _, e := range got {
		kinds = append(kinds, e.Type)
	}
	if i := slices.Index(kinds, notify.TypeLogResumed); i < 0 || got[i].DroppedBytes != 10 {
		t.Errorf("events %q (%+v), want a log-resumed with 10 bytes dropped", kinds, got)
	}
}

// The count of bytes dropped at a stream's last resumption, by which a
// failure that dropped nothing is told from a loss, is the Sink's: it was
// kept by service name, so the resumption a closing Sink still owed (the
// service removed, or its [Log] changed) set it for the next Sink of that
// name, which counts from 0, and that one's real losses were taken for
// failures that dropped nothing (never published as such, never followed
// by a log-resumed).
func TestResumptionOfAClosedSinkIsNotTheNextOnes(t *testing.T) {
	dir := t.TempDir()
	sink := droppingSink(t, dir)
	l := newLogsActor(dir, slog.New(slog.DiscardHandler))
	closed, next := &sinkReports{}, &sinkReports{sink: sink}
	l.publishLogResumed(nil, &sinkResumed{name: "svc", stream: logsink.Stdout, rep: closed,
		r: logsink.Resumption{Dropped: 1000, TotalDropped: 1000}})
	if dropped, lossy := lostOutput(&sinkError{name: "svc", stream: logsink.Stdout, rep: next}); dropped != 10 || !lossy {
		t.Fatalf("the next Sink's failure: dropped %d, lossy %v; want 10 and a loss", dropped, lossy)
	}
}

// A failure a Sink reports while it opens (an unsafe log path removed)
// comes before the actor knows the Sink: it was taken for a loss, logged
// as output dropped and holding back the log-error of a real loss right
// after it. No output can have been dropped then.
func TestFailureWhileTheSinkOpensDroppedNothing(t *testing.T) {
	if dropped, lossy := lostOutput(&sinkError{name: "svc", stream: logsink.Stdout, rep: &sinkReports{}}); dropped != 0 || lossy {
		t.Fatalf("a failure while the Sink opens: dropped %d, lossy %v; want nothing dropped", dropped, lossy)
	}
}
