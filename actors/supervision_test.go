package actors

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/supers-dev/supers/actors/process"
	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/notify"
	"github.com/supers-dev/supers/transport"
)

// These tests run the real services supervisor and service actors on
// virtual time (testing/synctest) with a fake process layer: the fake
// starter records every start attempt and the test ends a "process" by
// calling the onExit callback it captured, as the reaper would. Nothing here
// forks or signals a real process.

// svcName is the service every test supervises.
const svcName = "flappy"

// fakeProc is one start attempt seen by fakeStarter.
type fakeProc struct {
	n      int       // 1 for the first attempt
	at     time.Time // virtual time of the attempt
	pid    int       // 0 when the attempt failed
	err    error     // the error Start returned
	onExit func(process.Exit)
}

// exit ends the fake process at the current virtual time, through the
// callback the service actor gave Start (which sends processExited with the
// process's generation), and returns that time.
func (p *fakeProc) exit(code int) time.Time {
	now := time.Now()
	p.onExit(process.Exit{PID: p.pid, Code: code, Time: now})
	return now
}

// fakeStarter implements starter. Each attempt is recorded and sent on
// started; fail (read-only once the actors run) makes attempt n fail.
type fakeStarter struct {
	fail    func(n int) error
	started chan *fakeProc

	mu    sync.Mutex
	procs []*fakeProc
}

func newFakeStarter(fail func(n int) error) *fakeStarter {
	return &fakeStarter{fail: fail, started: make(chan *fakeProc, 1000)}
}

func (f *fakeStarter) Start(spec process.Spec, onExit func(process.Exit)) (process.Handle, error) {
	if spec.Stdout == nil || spec.Stderr == nil {
		return process.Handle{}, errors.New("fake starter: no pipes")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	p := &fakeProc{n: len(f.procs) + 1, at: time.Now(), onExit: onExit}
	if f.fail != nil {
		p.err = f.fail(p.n)
	}
	if p.err == nil {
		p.pid = 100000 + p.n // a fake: never signalled for real
	}
	f.procs = append(f.procs, p)
	f.started <- p
	if p.err != nil {
		return process.Handle{}, p.err
	}
	return process.Handle{PID: p.pid, PGID: p.pid}, nil
}

func (f *fakeStarter) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.procs)
}

// signalLog is the fake signaller: it records signals and sends none.
type signalLog struct {
	mu   sync.Mutex
	sent []string // "SIGKILL→100001"
}

func (s *signalLog) signal(pgid int, sig string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent = append(s.sent, fmt.Sprintf("%s→%d", sig, pgid))
	return nil
}

func (s *signalLog) to(pgid int) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, e := range s.sent {
		if strings.HasSuffix(e, fmt.Sprintf("→%d", pgid)) {
			out = append(out, e)
		}
	}
	return out
}

// devNullPipes is the fake log sink: fresh files on the null device, so no
// goroutine ever blocks on a real pipe (which would stall virtual time).
type devNullPipes struct{}

func (devNullPipes) Pipes() (stdout, stderr *os.File, err error) {
	if stdout, err = os.OpenFile(os.DevNull, os.O_WRONLY, 0); err != nil {
		return nil, nil, err
	}
	if stderr, err = os.OpenFile(os.DevNull, os.O_WRONLY, 0); err != nil {
		_ = stdout.Close()
		return nil, nil, err
	}
	return stdout, stderr, nil
}

// harness is an actor system inside a synctest bubble: a fake log sink
// actor and the real services supervisor with one service.
type harness struct {
	t        *testing.T
	sys      *actor.ActorSystem
	services *actor.PID
	procs    *fakeStarter
	sigs     *signalLog

	evMu   sync.Mutex
	events []notify.Event // published, in order
}

// published returns the types of the events published so far.
func (h *harness) published() []string {
	h.evMu.Lock()
	defer h.evMu.Unlock()
	types := make([]string, 0, len(h.events))
	for _, e := range h.events {
		types = append(types, e.Type)
	}
	return types
}

// newHarness must be called inside the bubble. It adds svc and returns once
// its actor exists (and its autostart, if any, was attempted). The actors
// are stopped when the bubble's test ends.
func newHarness(t *testing.T, procs *fakeStarter, svc *config.Service) *harness {
	t.Helper()
	return newHarnessWithSinks(t, procs, svc, nil)
}

// newHarnessWithSinks is newHarness with receive as the log sink actor's
// behaviour; nil opens every sink at once, on /dev/null.
func newHarnessWithSinks(t *testing.T, procs *fakeStarter, svc *config.Service, receive actor.ReceiveFunc) *harness {
	t.Helper()
	return newHarnessWithDeps(t, procs, svc, receive, nil)
}

// newHarnessWithDeps is newHarnessWithSinks with tweak (if not nil)
// applied to the services' dependencies before anything runs.
func newHarnessWithDeps(t *testing.T, procs *fakeStarter, svc *config.Service, receive actor.ReceiveFunc, tweak func(*serviceDeps)) *harness {
	t.Helper()
	discard := slog.New(slog.DiscardHandler)
	h := &harness{t: t, procs: procs, sigs: &signalLog{}}
	h.sys = actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return discard }))
	deps := &serviceDeps{
		procs:  procs,
		signal: h.sigs.signal,
		logger: discard,
		now:    time.Now,
		rand:   nil, // no jitter: each delay is its base
	}
	if tweak != nil {
		tweak(deps)
	}
	if receive == nil {
		receive = func(ctx actor.Context) {
			if m, ok := ctx.Message().(*openSink); ok {
				ctx.Respond(&sinkOpened{spec: m.spec, sink: devNullPipes{}})
			}
		}
	}
	logs := h.sys.Root.Spawn(actor.PropsFromFunc(receive))
	events := h.sys.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		if m, ok := ctx.Message().(*eventPublished); ok {
			h.evMu.Lock()
			h.events = append(h.events, m.event)
			h.evMu.Unlock()
		}
	}))
	deps.events = events
	var err error
	h.services, err = h.sys.Root.SpawnNamed(actor.PropsFromProducer(func() actor.Actor {
		return newServicesActor(deps, logs)
	}), "services")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := h.sys.Root.StopFuture(h.services).Wait(); err != nil {
			t.Errorf("stopping the services supervisor: %v", err)
		}
		if err := h.sys.Root.StopFuture(logs).Wait(); err != nil {
			t.Errorf("stopping the log sink actor: %v", err)
		}
		if err := h.sys.Root.StopFuture(events).Wait(); err != nil {
			t.Errorf("stopping the event recorder: %v", err)
		}
	})
	done := make(chan error, 1)
	h.sys.Root.Send(h.services, &addServices{specs: []*config.Service{svc}, done: done})
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("addServices: %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("addServices was not answered")
	}
	return h
}

// ask sends a command or query built around a reply channel to the services
// supervisor and waits for the answer.
func (h *harness) ask(msg func(replyTo) any) result {
	h.t.Helper()
	reply := make(chan result, 1)
	h.sys.Root.Send(h.services, msg(reply))
	select {
	case r := <-reply:
		return r
	case <-time.After(time.Minute):
		h.t.Fatal("no reply")
		return result{}
	}
}

// status returns the supervisor's answer once every actor is idle.
func (h *harness) status() transport.ServiceStatus {
	h.t.Helper()
	synctest.Wait()
	r := h.ask(func(r replyTo) any { return &statusQuery{name: svcName, reply: r} })
	if r.err != nil {
		h.t.Fatalf("status: %v", r.err)
	}
	return r.status
}

// wantState checks the state, and NextAttemptMS when want ≥ 0.
func (h *harness) wantState(state string, nextMS int64) transport.ServiceStatus {
	h.t.Helper()
	st := h.status()
	if st.State != state {
		h.t.Fatalf("state %q (error %q), want %q", st.State, st.Error, state)
	}
	if nextMS >= 0 && st.NextAttemptMS != nextMS {
		h.t.Fatalf("state %s: NextAttemptMS = %d, want %d", st.State, st.NextAttemptMS, nextMS)
	}
	return st
}

// nextStart waits (in virtual time) for the next start attempt.
func (h *harness) nextStart(within time.Duration) *fakeProc {
	h.t.Helper()
	select {
	case p := <-h.procs.started:
		return p
	case <-time.After(within):
		h.t.Fatalf("no start attempt within %v (%d so far)", within, h.procs.count())
		return nil
	}
}

// takeStart returns the start attempt that a command just made.
func (h *harness) takeStart() *fakeProc {
	h.t.Helper()
	synctest.Wait()
	select {
	case p := <-h.procs.started:
		return p
	default:
		h.t.Fatalf("no start attempt (%d so far)", h.procs.count())
		return nil
	}
}

// noStart checks that no start attempt happens during d of virtual time.
func (h *harness) noStart(d time.Duration) {
	h.t.Helper()
	select {
	case p := <-h.procs.started:
		h.t.Fatalf("unexpected start attempt #%d", p.n)
	case <-time.After(d):
	}
}

// crash ends p with code once the actors are idle, and returns the time of
// the exit.
func (h *harness) crash(p *fakeProc, code int) time.Time {
	h.t.Helper()
	synctest.Wait()
	at := p.exit(code)
	synctest.Wait()
	return at
}

// restartAfter checks that the restart following the exit at exitAt comes
// exactly want later, and returns it.
func (h *harness) restartAfter(exitAt time.Time, want time.Duration) *fakeProc {
	h.t.Helper()
	p := h.nextStart(time.Hour)
	if got := p.at.Sub(exitAt); got != want {
		h.t.Fatalf("start #%d came %v after the exit, want %v", p.n, got, want)
	}
	return p
}

func (h *harness) start() result {
	return h.ask(func(r replyTo) any { return &startService{name: svcName, reply: r} })
}

func (h *harness) stop() result {
	return h.ask(func(r replyTo) any { return &stopService{name: svcName, reply: r} })
}

// service builds the supervised service: Delay 1s, MaxDelay 8s, a start
// limit too large to matter, then tweak.
func service(t *testing.T, mode config.RestartMode, tweak func(*config.Service)) *config.Service {
	t.Helper()
	svc := config.New(svcName, "/bin/false")
	svc.Restart.Mode = mode
	svc.Restart.Delay = time.Second
	svc.Restart.MaxDelay = 8 * time.Second
	svc.Restart.StartLimitBurst = 1000
	if tweak != nil {
		tweak(svc)
	}
	if err := config.Validate(svc); err != nil {
		t.Fatal(err)
	}
	return svc
}

func TestSupervisionCrashLoopBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, newFakeStarter(nil), service(t, config.RestartAlways, nil))
		p := h.nextStart(time.Second)
		h.wantState(StateRunning, 0)
		for i, want := range []time.Duration{1, 2, 4, 8, 8} {
			exitAt := h.crash(p, 1)
			p = h.restartAfter(exitAt, want*time.Second)
			st := h.wantState(StateRunning, 0)
			if st.PID != p.pid || st.Restarts != i+1 {
				t.Fatalf("after restart %d: pid %d, restarts %d; want pid %d, restarts %d", i+1, st.PID, st.Restarts, p.pid, i+1)
			}
		}
	})
}

func TestSupervisionBackoffStatus(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, newFakeStarter(nil), service(t, config.RestartOnFailure, nil))
		p1 := h.nextStart(time.Second)
		exitAt := h.crash(p1, 3)

		st := h.wantState(StateBackoff, 1000)
		if st.PID != 0 || st.LastExit == nil || st.LastExit.Code == nil || *st.LastExit.Code != 3 || st.LastExit.Expected {
			t.Fatalf("in backoff: pid %d, last exit %+v; want pid 0 and an unexpected exit code 3", st.PID, st.LastExit)
		}
		time.Sleep(400 * time.Millisecond)
		h.wantState(StateBackoff, 600)

		// The child is suspended: a command sent to it directly (not through
		// the supervisor, which would resume it) waits in its mailbox.
		direct := make(chan result, 1)
		h.sys.Root.Send(h.sys.NewLocalPID("services/"+svcName), &startService{name: svcName, reply: direct})
		synctest.Wait()
		select {
		case r := <-direct:
			t.Fatalf("a suspended child answered: %+v", r)
		default:
		}

		// The backoff timer restarts it; the queued command then finds it
		// running and starts nothing more.
		p2 := h.restartAfter(exitAt, time.Second)
		r := <-direct
		if r.err != nil || r.status.State != StateRunning || r.status.PID != p2.pid {
			t.Fatalf("queued start answered %+v, %v; want running with pid %d", r.status, r.err, p2.pid)
		}
		h.wantState(StateRunning, 0)
		h.noStart(time.Hour)
	})
}

func TestSupervisionStopDuringBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, newFakeStarter(nil), service(t, config.RestartAlways, nil))
		h.crash(h.nextStart(time.Second), 1)
		h.wantState(StateBackoff, 1000)
		time.Sleep(500 * time.Millisecond)

		r := h.stop()
		if r.err != nil || r.status.State != StateStopped {
			t.Fatalf("stop during backoff: %+v, %v; want stopped", r.status, r.err)
		}
		h.wantState(StateStopped, 0)
		h.noStart(time.Hour) // the pending restart was cancelled
		h.wantState(StateStopped, 0)
	})
}

// A stop that reaches the child just as its restart begins, before the
// restart's start (here: sent straight to the suspended child, as one the
// supervisor routes right after the backoff timer fired ends up), cancels
// that start. The supervisor showed the service starting ever after, and
// superd's shutdown waited its whole bound for it.
func TestSupervisionStopQueuedBeforeRestart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, newFakeStarter(nil), service(t, config.RestartAlways, nil))
		h.crash(h.nextStart(time.Second), 1)
		h.wantState(StateBackoff, 1000)
		direct := make(chan result, 1)
		h.sys.Root.Send(h.sys.NewLocalPID("services/"+svcName), &stopService{name: svcName, reply: direct})
		time.Sleep(2 * time.Second) // the backoff timer restarts the child
		synctest.Wait()
		select {
		case r := <-direct:
			if r.err != nil || r.status.State != StateStopped {
				t.Fatalf("queued stop answered %+v, %v; want stopped", r.status, r.err)
			}
		default:
			t.Fatal("the queued stop was not answered")
		}
		h.wantState(StateStopped, 0)
		h.noStart(time.Hour)
		// The restart it cancelled did not happen: not counted.
		if st := h.wantState(StateStopped, 0); st.Restarts != 0 {
			t.Fatalf("restarts %d after a restart cancelled by a stop, want 0", st.Restarts)
		}
	})
}

// A start or restart that reaches the child just as its restart begins,
// before the restart's start, stands for that restart: counted once.
func TestSupervisionCommandQueuedBeforeRestartCountsOnce(t *testing.T) {
	for _, tc := range []struct {
		name string
		msg  func(replyTo) any
	}{
		{"start", func(r replyTo) any { return &startService{name: svcName, reply: r} }},
		{"restart", func(r replyTo) any { return &restartService{name: svcName, reply: r} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newHarness(t, newFakeStarter(nil), service(t, config.RestartAlways, nil))
				h.crash(h.nextStart(time.Second), 1)
				h.wantState(StateBackoff, 1000)
				direct := make(chan result, 1)
				h.sys.Root.Send(h.sys.NewLocalPID("services/"+svcName), tc.msg(direct))
				time.Sleep(2 * time.Second) // the backoff timer restarts the child
				synctest.Wait()
				var r result
				select {
				case r = <-direct:
				default:
					t.Fatalf("the queued %s was not answered", tc.name)
				}
				if r.err != nil || r.status.State != StateRunning || r.status.Restarts != 1 {
					t.Fatalf("queued %s answered %+v, %v; want running, 1 restart", tc.name, r.status, r.err)
				}
				h.takeStart()
				h.noStart(time.Hour) // one start, not two
				if st := h.wantState(StateRunning, 0); st.Restarts != 1 {
					t.Fatalf("restarts %d, want 1", st.Restarts)
				}
			})
		})
	}
}

func TestSupervisionManualStartDuringBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// StableAfter 1h: only the manual start can reset the streak.
		h := newHarness(t, newFakeStarter(nil), service(t, config.RestartAlways, func(s *config.Service) {
			s.Restart.StableAfter = time.Hour
		}))
		p := h.nextStart(time.Second)
		p = h.restartAfter(h.crash(p, 1), time.Second)
		h.crash(p, 1)
		h.wantState(StateBackoff, 2000)
		time.Sleep(500 * time.Millisecond)

		askedAt := time.Now()
		r := h.start()
		p = h.takeStart()
		if !p.at.Equal(askedAt) {
			t.Fatalf("manual start attempted %v after the request, want at once", p.at.Sub(askedAt))
		}
		if r.err != nil || r.status.State != StateRunning || r.status.PID != p.pid {
			t.Fatalf("manual start: %+v, %v; want running with pid %d", r.status, r.err, p.pid)
		}
		// The start stands for the restart it brought forward, and counts
		// as one, as that restart would have.
		if st := h.wantState(StateRunning, 0); st.Restarts != 2 || r.status.Restarts != 2 {
			t.Fatalf("after one restart and a start in backoff: restarts %d (answer: %d), want 2", st.Restarts, r.status.Restarts)
		}
		h.noStart(10 * time.Second) // the cancelled timer does not restart it

		// The streak goes on (StableAfter is 1h): the next failure
		// waits 4s, not Delay. A script that keeps starting a
		// crash-looping service, which it mostly finds in backoff, does
		// not defeat the backoff.
		p = h.restartAfter(h.crash(p, 1), 4*time.Second)

		// A restart by hand starts over.
		h.crash(p, 1)
		h.wantState(StateBackoff, 8000)
		if r := h.ask(func(r replyTo) any { return &restartService{name: svcName, reply: r} }); r.err != nil {
			t.Fatalf("restart: %v", r.err)
		}
		p = h.takeStart()
		h.restartAfter(h.crash(p, 1), time.Second)
	})
}

// TestSupervisionStartsInBackoffCountTowardStartLimit: a script that
// starts a crash-looping service each time it finds it in backoff starts
// it at once, but each start counts toward the start limit, which gives
// up as without the script. Such a start cleared the start-limit window,
// so the service never gave up.
func TestSupervisionStartsInBackoffCountTowardStartLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, newFakeStarter(nil), service(t, config.RestartOnFailure, func(s *config.Service) {
			s.Restart.StartLimitBurst = 3
			s.Restart.StartLimitInterval = 10 * time.Minute
		}))
		p := h.nextStart(time.Second)
		for range 2 {
			h.crash(p, 1)
			h.wantState(StateBackoff, -1)
			if r := h.start(); r.err != nil {
				t.Fatalf("start in backoff: %v", r.err)
			}
			p = h.takeStart()
		}
		h.crash(p, 1)
		st := h.wantState(StateFatal, 0)
		if !strings.Contains(st.Error, "start limit") {
			t.Fatalf("fatal error %q does not mention the start limit", st.Error)
		}
		h.noStart(time.Hour)
	})
}

func TestSupervisionStartLimit(t *testing.T) {
	limited := func(cooldown time.Duration) func(*config.Service) {
		return func(s *config.Service) {
			s.Restart.StartLimitBurst = 3
			s.Restart.StartLimitInterval = 10 * time.Minute
			s.Restart.Cooldown = cooldown
		}
	}
	// crashLoop crashes the service until it gives up after exactly 3
	// starts, and returns the time of the last exit.
	crashLoop := func(h *harness, first *fakeProc) time.Time {
		h.t.Helper()
		p := h.restartAfter(h.crash(first, 1), time.Second)
		p = h.restartAfter(h.crash(p, 1), 2*time.Second)
		return h.crash(p, 1)
	}
	wantFatal := func(h *harness, nextMS int64) {
		h.t.Helper()
		st := h.wantState(StateFatal, nextMS)
		if !strings.Contains(st.Error, "start limit") {
			h.t.Fatalf("fatal error %q does not mention the start limit", st.Error)
		}
	}
	// The fatal event says whether, and when, the service is tried again:
	// with a cooldown, a receiver paging on fatal was paged at every try,
	// each saying "restarting gave up".
	wantFatalEvent := func(h *harness, retry time.Duration) {
		h.t.Helper()
		synctest.Wait()
		h.evMu.Lock()
		defer h.evMu.Unlock()
		var last *notify.Event
		for i := range h.events {
			if h.events[i].Type == notify.TypeFatal {
				last = &h.events[i]
			}
		}
		switch {
		case last == nil:
			h.t.Fatal("no fatal event")
		case last.DelayMS != retry.Milliseconds():
			h.t.Fatalf("fatal event delay_ms %d, want %d", last.DelayMS, retry.Milliseconds())
		case retry > 0 && !strings.Contains(last.Reason, "tried again in "+retry.String()):
			h.t.Fatalf("fatal event reason %q does not say it is tried again in %v", last.Reason, retry)
		case retry == 0 && strings.Contains(last.Reason, "tried again"):
			h.t.Fatalf("fatal event reason %q: no cooldown, nothing is tried again", last.Reason)
		}
	}

	t.Run("no cooldown", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			procs := newFakeStarter(nil)
			h := newHarness(t, procs, service(t, config.RestartOnFailure, limited(0)))
			crashLoop(h, h.nextStart(time.Second))
			wantFatal(h, 0)
			wantFatalEvent(h, 0)
			h.noStart(24 * time.Hour)
			wantFatal(h, 0)
			if n := procs.count(); n != 3 {
				t.Fatalf("%d starts, want 3", n)
			}

			// A manual start clears fatal.
			r := h.start()
			if r.err != nil || r.status.State != StateRunning {
				t.Fatalf("manual start after fatal: %+v, %v", r.status, r.err)
			}
			h.takeStart()
			h.wantState(StateRunning, 0)
		})
	})

	t.Run("cooldown", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newHarness(t, newFakeStarter(nil), service(t, config.RestartOnFailure, limited(time.Minute)))
			exitAt := crashLoop(h, h.nextStart(time.Second))
			wantFatal(h, 60000)
			wantFatalEvent(h, time.Minute)
			time.Sleep(20 * time.Second)
			wantFatal(h, 40000)

			p := h.restartAfter(exitAt, time.Minute)
			st := h.wantState(StateRunning, 0)
			if st.Error != "" || st.PID != p.pid {
				t.Fatalf("after the cooldown: %+v; want running pid %d and no error", st, p.pid)
			}
			// From scratch: Delay again, and 3 more starts before giving up.
			exitAt = crashLoop(h, p)
			wantFatal(h, 60000)
			h.restartAfter(exitAt, time.Minute)
		})
	})
}

func TestSupervisionCleanExitOnFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, newFakeStarter(nil), service(t, config.RestartOnFailure, nil))
		h.crash(h.nextStart(time.Second), 0)
		st := h.wantState(StateExited, 0)
		if st.LastExit == nil || st.LastExit.Code == nil || *st.LastExit.Code != 0 {
			t.Fatalf("last exit %+v, want code 0", st.LastExit)
		}
		h.noStart(time.Hour)
		h.wantState(StateExited, 0)
	})
}

func TestSupervisionStableRunResetsStreak(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, newFakeStarter(nil), service(t, config.RestartOnFailure, func(s *config.Service) {
			s.Restart.StableAfter = 5 * time.Second
		}))
		p := h.nextStart(time.Second)
		p = h.restartAfter(h.crash(p, 1), time.Second)
		p = h.restartAfter(h.crash(p, 1), 2*time.Second)

		time.Sleep(4 * time.Second) // shorter than StableAfter: the streak goes on
		p = h.restartAfter(h.crash(p, 1), 4*time.Second)

		time.Sleep(5 * time.Second) // exactly StableAfter: a new streak
		p = h.restartAfter(h.crash(p, 1), time.Second)
		h.restartAfter(h.crash(p, 1), 2*time.Second)
	})
}

func TestSupervisionExecFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		procs := newFakeStarter(func(int) error {
			return &process.ExecError{Op: "exec", Path: "/bin/false", Err: fs.ErrNotExist}
		})
		h := newHarness(t, procs, service(t, config.RestartOnFailure, func(s *config.Service) {
			s.AutoStart = false
			s.Restart.StartLimitBurst = 3
		}))
		h.wantState(StateStopped, 0)

		r := h.start()
		first := h.takeStart()
		var ee *process.ExecError
		if !errors.Is(r.err, ErrStartFailed) || !errors.Is(r.err, fs.ErrNotExist) || !errors.As(r.err, &ee) {
			t.Fatalf("start error %v, want one wrapping ErrStartFailed and the *process.ExecError", r.err)
		}
		// The answer shows what the supervisor decided, as a status asked
		// for next does: Restart= retries it.
		if r.status.State != StateBackoff || r.status.NextAttemptMS != 1000 || !strings.Contains(r.status.Error, "file does not exist") {
			t.Fatalf("start answered %+v, want state %q, next attempt in 1000 ms and the exec error", r.status, StateBackoff)
		}
		st := h.wantState(StateBackoff, 1000)
		if !strings.Contains(st.Error, "file does not exist") {
			t.Fatalf("backoff error %q does not say why the start failed", st.Error)
		}
		if !slices.Contains(h.published(), notify.TypeExecFailed) {
			t.Fatalf("events %q, want an exec-failed", h.published())
		}

		second := h.restartAfter(first.at, time.Second)
		h.restartAfter(second.at, 2*time.Second)
		st = h.wantState(StateFatal, 0)
		if !strings.Contains(st.Error, "start limit") {
			t.Fatalf("fatal error %q does not mention the start limit", st.Error)
		}
		h.noStart(time.Hour)
		if n := procs.count(); n != 3 {
			t.Fatalf("%d start attempts, want 3", n)
		}
	})
}

// TestSupervisionExecFailureAnswer: a start that cannot execute the
// program is answered with the supervisor's decision: exec-failed when
// Restart= does not retry it, fatal when it hits the start limit.
func TestSupervisionExecFailureAnswer(t *testing.T) {
	for _, tc := range []struct {
		name  string
		mode  config.RestartMode
		burst int
		want  string
	}{
		{"no restart", config.RestartNo, 10, StateExecFailed},
		{"start limit", config.RestartAlways, 1, StateFatal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				procs := newFakeStarter(func(int) error {
					return &process.ExecError{Op: "exec", Path: "/bin/false", Err: fs.ErrNotExist}
				})
				h := newHarness(t, procs, service(t, tc.mode, func(s *config.Service) {
					s.AutoStart = false
					s.Restart.StartLimitBurst = tc.burst
				}))
				h.wantState(StateStopped, 0)
				r := h.start()
				h.takeStart()
				if !errors.Is(r.err, ErrStartFailed) || r.status.State != tc.want || r.status.NextAttemptMS != 0 ||
					!strings.Contains(r.status.Error, "file does not exist") {
					t.Fatalf("start answered %+v, %v; want state %q, no next attempt, the exec error", r.status, r.err, tc.want)
				}
				h.wantState(tc.want, 0)
				h.noStart(time.Hour)
			})
		})
	}
}

func TestSupervisionStaleExit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, newFakeStarter(nil), service(t, config.RestartAlways, nil))
		p1 := h.nextStart(time.Second)
		exitAt := h.crash(p1, 1)
		p1.exit(1) // a duplicate notice, while the child is suspended
		p2 := h.restartAfter(exitAt, time.Second)
		h.wantState(StateRunning, 0)

		// A late notice about generation 1 after generation 2 started.
		time.Sleep(3 * time.Second)
		h.crash(p1, 137)
		st := h.wantState(StateRunning, 0)
		if st.PID != p2.pid || st.Restarts != 1 || st.LastExit == nil || st.LastExit.Code == nil || *st.LastExit.Code != 1 {
			t.Fatalf("after a stale exit: %+v; want pid %d, 1 restart, last exit code 1", st, p2.pid)
		}
		if sent := h.sigs.to(p2.pid); len(sent) != 0 {
			t.Fatalf("a stale exit signalled the current process group: %v", sent)
		}
		h.noStart(time.Hour)
	})
}

// Two commands queued behind a stop (a restart, then a start) are both
// answered when the restart's new process fails to exec; the failure then
// goes to the supervisor once.
func TestSupervisionQueuedCommandsAnsweredOnExecFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		procs := newFakeStarter(func(n int) error {
			if n == 1 {
				return nil
			}
			return &process.ExecError{Op: "exec", Path: "/bin/gone", Err: fs.ErrNotExist}
		})
		h := newHarness(t, procs, service(t, config.RestartOnFailure, nil))
		first := h.takeStart()
		h.wantState(StateRunning, 0)

		restartReply := make(chan result, 1)
		startReply := make(chan result, 1)
		h.sys.Root.Send(h.services, &restartService{name: svcName, reply: restartReply})
		h.sys.Root.Send(h.services, &startService{name: svcName, reply: startReply})
		synctest.Wait()
		h.wantState(StateStopping, 0)
		first.exit(-1) // the stop's signal took effect

		for _, ch := range []chan result{restartReply, startReply} {
			select {
			case r := <-ch:
				if !errors.Is(r.err, fs.ErrNotExist) {
					t.Fatalf("queued command answered %v, want the exec failure", r.err)
				}
			case <-time.After(time.Minute):
				t.Fatal("a queued command was never answered")
			}
		}
		if n := procs.count(); n != 2 {
			t.Fatalf("%d start attempts, want 2 (the failed one is not retried for the second command)", n)
		}
		h.wantState(StateBackoff, 1000)
	})
}

func TestSupervisionSignal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, newFakeStarter(nil), service(t, config.RestartAlways, nil))
		p := h.nextStart(time.Second)
		sig := func() result {
			return h.ask(func(r replyTo) any { return &signalService{name: svcName, signal: "SIGHUP", reply: r} })
		}

		if r := sig(); r.err != nil || r.status.PID != p.pid {
			t.Fatalf("signal a running service: %+v, %v", r.status, r.err)
		}
		if got := h.sigs.to(p.pid); len(got) != 1 || got[0] != fmt.Sprintf("SIGHUP→%d", p.pid) {
			t.Fatalf("signals sent to group %d: %v, want one SIGHUP", p.pid, got)
		}

		// In backoff there is no process: refused, and the pending restart
		// still comes on time.
		exitAt := h.crash(p, 1)
		h.wantState(StateBackoff, 1000)
		if r := sig(); !errors.Is(r.err, transport.ErrConflict) {
			t.Fatalf("signal during backoff: err %v, want ErrConflict", r.err)
		}
		p = h.restartAfter(exitAt, time.Second)
		h.wantState(StateRunning, 0)

		h.crash(p, 1)
		if r := h.stop(); r.err != nil || r.status.State != StateStopped {
			t.Fatalf("stop: %+v, %v", r.status, r.err)
		}
		if r := sig(); !errors.Is(r.err, transport.ErrConflict) || !strings.Contains(r.err.Error(), "not running") {
			t.Fatalf("signal a stopped service: err %v, want ErrConflict (not running)", r.err)
		}
		if r := h.ask(func(r replyTo) any { return &signalService{name: "nope", signal: "SIGHUP", reply: r} }); !errors.Is(r.err, transport.ErrUnknownService) {
			t.Fatalf("signal an unknown service: err %v, want ErrUnknownService", r.err)
		}
	})
}

// A command that reached a service actor while it was suspended in backoff
// is answered by the next incarnation, before its own start: a service
// whose exec keeps failing used to answer it only once it gave up, after
// all its backoffs (tens of seconds with the defaults).
func TestSupervisionCommandQueuedInBackoffAnsweredAtNextAttempt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		procs := newFakeStarter(func(int) error {
			return &process.ExecError{Op: "exec", Path: "/bin/gone", Err: fs.ErrNotExist}
		})
		h := newHarness(t, procs, service(t, config.RestartAlways, func(s *config.Service) {
			s.Restart.StartLimitBurst = 6
		}))
		h.takeStart()
		h.wantState(StateBackoff, 1000)
		// As a command routed in the window before the backoff shows: it
		// goes straight into the suspended child's mailbox.
		child := actor.NewPID(h.sys.Address(), "services/"+svcName)
		reply := make(chan result, 1)
		sent := time.Now()
		h.sys.Root.Send(child, &restartService{name: svcName, reply: reply})
		select {
		case r := <-reply:
			if !errors.Is(r.err, fs.ErrNotExist) {
				t.Fatalf("the queued restart answered %v, want the exec failure", r.err)
			}
			if waited := time.Since(sent); waited > time.Second {
				t.Fatalf("the queued restart was answered after %s, want at the next attempt (1s)", waited)
			}
		case <-time.After(time.Hour):
			t.Fatal("the queued restart was never answered")
		}
	})
}
