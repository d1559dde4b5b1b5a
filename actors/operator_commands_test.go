package actors

import (
	"log/slog"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/supers-dev/supers/actors/process"
	"github.com/supers-dev/supers/config"
)

// gatedSignals is a fake signaller that holds the first signal sent to one
// process group until the test opens the gate: the service actor is then
// stuck inside its handling of that process's exit, before it fails.
type gatedSignals struct {
	signalLog
	pgid    int
	entered chan struct{} // closed when the held signal is sent
	gate    chan struct{} // closed by the test to let it through
	once    sync.Once
}

func (g *gatedSignals) signal(pgid int, sig string) error {
	if pgid == g.pgid {
		held := false
		g.once.Do(func() { held = true })
		if held {
			close(g.entered)
			<-g.gate
		}
	}
	return g.signalLog.signal(pgid, sig)
}

// newGatedHarness is newHarness with sigs as the signaller.
func newGatedHarness(t *testing.T, procs *fakeStarter, svc *config.Service, sigs *gatedSignals) *harness {
	t.Helper()
	discard := slog.New(slog.DiscardHandler)
	h := &harness{t: t, procs: procs, sigs: &sigs.signalLog}
	h.sys = actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return discard }))
	deps := &serviceDeps{
		procs:  procs,
		signal: sigs.signal,
		logger: discard,
		now:    time.Now,
		rand:   func() float64 { return 0.5 },
	}
	logs := h.sys.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		if m, ok := ctx.Message().(*openSink); ok {
			ctx.Respond(&sinkOpened{spec: m.spec, sink: devNullPipes{}})
		}
	}))
	var err error
	h.services, err = h.sys.Root.SpawnNamed(actor.PropsFromProducer(func() actor.Actor {
		return newServicesActor(deps, logs)
	}), "services")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = h.sys.Root.StopFuture(h.services).Wait()
		_ = h.sys.Root.StopFuture(logs).Wait()
	})
	done := make(chan error, 1)
	h.sys.Root.Send(h.services, &addServices{specs: []*config.Service{svc}, done: done})
	if err := <-done; err != nil {
		t.Fatalf("addServices: %v", err)
	}
	return h
}

// crashWithCommands runs a service that restarts after 20 s (up to a
// minute), crashes its first process, and sends cmds to the services
// supervisor while the service actor is still
// handling that crash, held by a gated signaller: they wait in the mailbox
// the crash suspends. It then lets the crash through, and returns the
// harness, the signaller, the first process and when the commands were
// sent. It runs in a synctest bubble.
func crashWithCommands(t *testing.T, cmds ...any) (*harness, *gatedSignals, *fakeProc, time.Time) {
	t.Helper()
	sigs := &gatedSignals{pgid: 100001, entered: make(chan struct{}), gate: make(chan struct{})}
	h := newGatedHarness(t, newFakeStarter(nil), service(t, config.RestartAlways, func(s *config.Service) {
		s.Restart.Delay = 20 * time.Second
		s.Restart.MaxDelay = time.Minute
	}), sigs)
	p := h.nextStart(time.Second)
	if p.pid != sigs.pgid {
		t.Fatalf("first process has pid %d, want %d", p.pid, sigs.pgid)
	}
	p.onExit(process.Exit{PID: p.pid, Code: 1, Time: time.Now()})
	<-sigs.entered // the service actor is handling the crash
	sent := time.Now()
	for _, cmd := range cmds {
		h.sys.Root.Send(h.services, cmd)
	}
	synctest.Wait() // routed: they wait in the service actor's mailbox
	close(sigs.gate)
	return h, sigs, p, sent
}

// answeredAtOnce returns the answer on reply to what was sent at sent,
// failing the test unless it comes at once (in the bubble's time).
func answeredAtOnce(t *testing.T, reply <-chan result, sent time.Time, what string) result {
	t.Helper()
	select {
	case r := <-reply:
		if waited := time.Since(sent); waited != 0 {
			t.Fatalf("the %s was answered after %v, want at once", what, waited)
		}
		return r
	case <-time.After(time.Hour):
		t.Fatalf("the %s was never answered", what)
		return result{}
	}
}

// An operator's stop that reaches a service actor while it handles a crash
// of its process (so it lands in the mailbox the crash suspends) is
// answered at once, and the service stays stopped: the crash must not be
// restarted after a backoff, with the stop waiting for that restart (up to
// RestartMaxDelaySec and its jitter, longer than the CLI's timeout).
func TestOperatorStopRacingACrashIsNotDelayedByBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		reply := make(chan result, 1)
		h, _, _, sent := crashWithCommands(t, &stopService{name: svcName, reply: reply})
		r := answeredAtOnce(t, reply, sent, "stop")
		if r.err != nil || r.status.State != StateStopped {
			t.Fatalf("stop answered %+v, %v; want stopped", r.status, r.err)
		}
		h.wantState(StateStopped, 0)
		h.noStart(time.Hour)
		h.wantState(StateStopped, 0)
	})
}

// A start of a service that is running is a no-op ("start: no-op if
// running"): it must not clear the backoff streak and the start-limit
// window, or a script that makes sure a service runs by starting it again
// and again would keep a crash loop from ever slowing down or giving up.
func TestStartOfRunningServiceKeepsBackoffAndStartLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		procs := newFakeStarter(nil)
		h := newHarness(t, procs, service(t, config.RestartOnFailure, func(s *config.Service) {
			s.Restart.StableAfter = time.Hour
			s.Restart.StartLimitBurst = 3
			s.Restart.StartLimitInterval = time.Hour
		}))
		p := h.nextStart(time.Second)
		p = h.restartAfter(h.crash(p, 1), time.Second)
		if r := h.start(); r.err != nil || r.status.PID != p.pid {
			t.Fatalf("start of a running service: %+v, %v; want running pid %d", r.status, r.err, p.pid)
		}
		h.noStart(0)
		p = h.restartAfter(h.crash(p, 1), 2*time.Second) // the streak goes on
		if r := h.start(); r.err != nil || r.status.PID != p.pid {
			t.Fatalf("start of a running service: %+v, %v; want running pid %d", r.status, r.err, p.pid)
		}
		h.crash(p, 1)
		h.wantState(StateFatal, 0) // 3 starts: the limit holds
		h.noStart(24 * time.Hour)
		if n := procs.count(); n != 3 {
			t.Fatalf("%d starts, want 3", n)
		}

		// A start of the fatal service clears it, as documented.
		if r := h.start(); r.err != nil || r.status.State != StateRunning {
			t.Fatalf("start after fatal: %+v, %v; want running", r.status, r.err)
		}
		p = h.takeStart()
		h.restartAfter(h.crash(p, 1), time.Second)
	})
}

// A start that reaches a service actor while it handles the crash that
// makes it give up is answered by a new process, and that process starts
// from scratch, as after any start of a fatal service: its crash is
// restarted, not given up on at once.
func TestStartRacingTheCrashThatGivesUpStartsFromScratch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		procs := newFakeStarter(nil)
		sigs := &gatedSignals{pgid: 100002, entered: make(chan struct{}), gate: make(chan struct{})}
		h := newGatedHarness(t, procs, service(t, config.RestartOnFailure, func(s *config.Service) {
			s.Restart.StableAfter = time.Hour
			s.Restart.StartLimitBurst = 2
			s.Restart.StartLimitInterval = time.Hour
		}), sigs)
		p := h.nextStart(time.Second)
		p = h.restartAfter(h.crash(p, 1), time.Second)
		synctest.Wait()

		p.onExit(process.Exit{PID: p.pid, Code: 1, Time: time.Now()})
		<-sigs.entered // the service actor is handling the crash
		reply := make(chan result, 1)
		h.sys.Root.Send(h.services, &startService{name: svcName, reply: reply})
		synctest.Wait() // routed: the start waits in the service actor's mailbox
		close(sigs.gate)

		r := <-reply
		p = h.takeStart()
		if r.err != nil || r.status.State != StateRunning || r.status.PID != p.pid {
			t.Fatalf("start answered %+v, %v; want running pid %d", r.status, r.err, p.pid)
		}
		h.wantState(StateRunning, 0)
		h.restartAfter(h.crash(p, 1), time.Second)
	})
}
