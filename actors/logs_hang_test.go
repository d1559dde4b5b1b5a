package actors

import (
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/logsink"
)

// hungLogs runs a log sink actor whose opens and closes of the logs of
// service "stuck" hang until the test ends, as on a frozen disk.
type hungLogs struct {
	t       *testing.T
	l       *logsActor
	log     *lockedBuffer
	sys     *actor.ActorSystem
	pid     *actor.PID
	release chan struct{} // closed at the end of the test: the disk thaws

	// So that nothing writes in the test's directory once it ends: the
	// opens asked for, and the closes that hung (entered once one did).
	futures []actor.Future
	hung    sync.WaitGroup
	entered chan struct{}
	once    sync.Once
}

func newHungLogs(t *testing.T, hangOpen, hangClose bool) *hungLogs {
	t.Helper()
	h := &hungLogs{t: t, log: new(lockedBuffer), release: make(chan struct{}), entered: make(chan struct{})}
	h.l = newLogsActor(t.TempDir(), slog.New(slog.NewTextHandler(h.log, nil)))
	stuck := func(dir string) bool { return filepath.Base(dir) == "stuck" }
	h.l.openFn = func(o logsink.Options) (*logsink.Sink, error) {
		if hangOpen && stuck(o.Dir) {
			<-h.release
		}
		return logsink.Open(o)
	}
	h.l.closeFn = func(s *logsink.Sink) error {
		if hangClose && stuck(filepath.Dir(s.Path(logsink.Stdout))) {
			h.hung.Add(1)
			defer h.hung.Done()
			h.once.Do(func() { close(h.entered) })
			<-h.release
		}
		return s.Close()
	}
	h.sys = actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(slog.DiscardHandler)
	}))
	h.pid = h.sys.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return h.l }))
	t.Cleanup(func() {
		close(h.release)
		for _, f := range h.futures {
			_, _ = f.Result() // no open is left under way
		}
		_ = h.sys.Root.StopFuture(h.pid).Wait()
		if hangClose {
			select {
			case <-h.entered:
			case <-time.After(10 * time.Second):
			}
			h.hung.Wait()
		}
		h.sys.Shutdown()
	})
	return h
}

// open asks for the logs of service name and returns the answer's future.
func (h *hungLogs) open(name string) actor.Future {
	f := h.sys.Root.RequestFuture(h.pid, &openSink{spec: config.New(name, "/bin/true")}, 30*time.Second)
	h.futures = append(h.futures, f)
	return f
}

// opened waits (10s at most) for f's answer, which must be a Sink.
func (h *hungLogs) opened(f actor.Future, name string) *logsink.Sink {
	h.t.Helper()
	got := make(chan any, 1)
	go func() {
		res, err := f.Result()
		if err != nil {
			got <- err
			return
		}
		got <- res
	}()
	select {
	case res := <-got:
		m, ok := res.(*sinkOpened)
		if !ok || m.err != nil || m.sink == nil {
			h.t.Fatalf("open of %s answered %#v", name, res)
		}
		return m.sink.(*logsink.Sink)
	case <-time.After(10 * time.Second):
		h.t.Fatalf("the logs of %s were not opened within 10s, behind the hung disk of another service", name)
		return nil
	}
}

// The log disk of one service hangs while its log dir is created (a new
// service on a frozen file system): the logs of every other service must
// still open, or a reload's new and changed services wait for the disk.
func TestLogsActorOpenOnHungDiskHoldsUpNoOther(t *testing.T) {
	h := newHungLogs(t, true, false)
	h.open("stuck")
	h.opened(h.open("ok"), "ok")
}

// The same for a close that hangs (its writer is stuck in a write): a
// service removed or replaced by a reload must not hold up the creation
// of the others. The same service, created again, gets its logs too (its
// output waits for the old Sink to be closed), so that a changed service
// does not stay down until the disk thaws.
func TestLogsActorCloseOnHungDiskHoldsUpNoOther(t *testing.T) {
	h := newHungLogs(t, false, true)
	old := h.opened(h.open("stuck"), "stuck")
	h.sys.Root.Send(h.pid, &closeSink{name: "stuck"})
	h.opened(h.open("ok"), "ok")
	again := h.opened(h.open("stuck"), "stuck again")
	if again == old {
		t.Fatal("the Sink being closed was handed out again")
	}
	select {
	case <-again.Ready():
		t.Fatal("the new Sink writes before the old one is closed")
	default:
	}
}

// superd's shutdown must end even if a log disk hangs: the log sink actor
// gives up on the Sinks that do not close in time, and says so.
func TestLogsActorStopIsBoundedOnHungDisk(t *testing.T) {
	h := newHungLogs(t, false, true)
	h.l.closeWait = 200 * time.Millisecond
	h.opened(h.open("stuck"), "stuck")
	h.opened(h.open("ok"), "ok")
	start := time.Now()
	if err := h.sys.Root.StopFuture(h.pid).Wait(); err != nil {
		t.Fatalf("the log sink actor did not stop behind a hung disk: %v (after %s)", err, time.Since(start))
	}
	var line string
	for l := range strings.Lines(h.log.String()) {
		if strings.Contains(l, "not closed in time") {
			line = l
		}
	}
	if !strings.Contains(line, "services=stuck ") {
		t.Errorf("the log does not name the one service whose logs were not closed:\n%s", h.log.String())
	}
}

// A burst of opens (a thousand services at start) runs at most maxOpens at
// a time, each in its goroutine, the others waiting in the actor, and
// every one is answered.
func TestLogsActorBoundsOpensUnderWay(t *testing.T) {
	h := newHungLogs(t, false, false)
	var (
		mu            sync.Mutex
		under, most   int
		gate          = make(chan struct{})
		firstWaveFull = make(chan struct{})
		once          sync.Once
	)
	h.l.openFn = func(o logsink.Options) (*logsink.Sink, error) {
		mu.Lock()
		under++
		most = max(most, under)
		if under == maxOpens {
			once.Do(func() { close(firstWaveFull) })
		}
		mu.Unlock()
		<-gate
		defer func() {
			mu.Lock()
			under--
			mu.Unlock()
		}()
		return logsink.Open(o)
	}
	const n = 3 * maxOpens
	futures := make([]actor.Future, n)
	for i := range futures {
		futures[i] = h.open("s" + strconv.Itoa(i))
	}
	select {
	case <-firstWaveFull:
	case <-time.After(10 * time.Second):
		t.Fatalf("fewer than %d opens started", maxOpens)
	}
	close(gate)
	for i, f := range futures {
		h.opened(f, "s"+strconv.Itoa(i))
	}
	mu.Lock()
	defer mu.Unlock()
	if most != maxOpens {
		t.Errorf("%d opens under way at once, want %d", most, maxOpens)
	}
}
