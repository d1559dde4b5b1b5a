package actors

import (
	"bytes"
	"errors"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/supers-dev/supers/logsink"
)

// lockedBuffer is a bytes.Buffer safe for the concurrent use of a logger
// and a test.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// The README says that output the disk does not take is "dropped and
// counted": the warning about a failing log file says how much of the
// stream's output was lost so far, which nothing else shows.
func TestSinkErrorReportsDroppedBytes(t *testing.T) {
	dir := t.TempDir()
	sink := droppingSink(t, dir)
	deadline := time.Now().Add(10 * time.Second)

	var out lockedBuffer
	l := newLogsActor(dir, slog.New(slog.NewTextHandler(&out, nil)))
	l.sinks["svc"] = sink
	sys := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(slog.DiscardHandler)
	}))
	t.Cleanup(sys.Shutdown)
	pid := sys.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return l }))
	t.Cleanup(func() { _ = sys.Root.StopFuture(pid).Wait() })
	sys.Root.Send(pid, &sinkError{name: "svc", stream: logsink.Stdout, err: errors.New("write stdout.log: boom"), rep: &sinkReports{sink: sink}})

	for !strings.Contains(out.String(), "boom") {
		if time.Now().After(deadline) {
			t.Fatalf("no warning logged; log: %q", out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if got := out.String(); !strings.Contains(got, "dropped_bytes=10") {
		t.Errorf("warning %q does not say that 10 bytes were dropped", got)
	}
}

// droppingSink opens the Sink of a service "svc" in dir, whose stdout log
// file is a directory that cannot be removed (every write fails), and
// returns it once the line "lost line\n" written to it was dropped (10
// bytes). It is closed when the test ends.
func droppingSink(t *testing.T, dir string) *logsink.Sink {
	t.Helper()
	sink, err := logsink.Open(logsink.Options{Dir: filepath.Join(dir, "svc")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sink.Close() })
	blockLogFile(t, sink.Path(logsink.Stdout))
	stdout, stderr, err := sink.Pipes()
	if err != nil {
		t.Fatal(err)
	}
	_, err = stdout.Write([]byte("lost line\n"))
	_ = stdout.Close()
	_ = stderr.Close()
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the line dropped", func() bool { return sink.Stats().Stdout.BytesDropped == 10 })
	return sink
}

// At shutdown the log sink actor closes every service's logs. Each Close
// may wait up to 100ms for a pipe that an escaped grandchild (setsid) keeps
// open; the waits must not add up over the services, or superd with a
// thousand such services would take minutes to stop (and be killed by its
// own supervisor's stop timeout).
func TestLogsActorClosesSinksInParallel(t *testing.T) {
	// One after the other they take at least 10s (100ms each); in parallel
	// about 100ms. The bound in between is wide both ways, for a loaded
	// machine.
	const services = 100
	dir := t.TempDir()
	l := newLogsActor(dir, slog.New(slog.DiscardHandler))
	for i := range services {
		name := "svc" + strconv.Itoa(i)
		sink, err := logsink.Open(logsink.Options{Dir: filepath.Join(dir, name)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = sink.Close() })
		l.sinks[name] = sink
		stdout, stderr, err := sink.Pipes()
		if err != nil {
			t.Fatal(err)
		}
		// Held open, as by a grandchild that outlived the service.
		t.Cleanup(func() {
			_ = stdout.Close()
			_ = stderr.Close()
		})
	}
	sys := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(slog.DiscardHandler)
	}))
	t.Cleanup(sys.Shutdown)
	pid := sys.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return l }))

	start := time.Now()
	if err := sys.Root.StopFuture(pid).Wait(); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("closing %d sinks whose pipes are held open took %s, want about 100ms", services, took)
	}
}
