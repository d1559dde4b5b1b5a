package actors

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/supers-dev/supers/actors/process"
	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/notify"
)

// A service actor that fails with a panic of its own (a bug in superd, not
// its process's end: here the process layer panics inside Start) was
// restarted at once, and its new incarnation started the service again at
// once: a bug that recurs at each start made a tight loop of restarts and
// forks, hundreds of attempts within the same instant. It now goes through
// the service's backoff and start limit, as a crash loop does, and ends
// fatal; a start by hand, the bug gone, runs it again.
func TestRestartrevActorBugBacksOffAndGivesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bug := &bugStarter{fakeStarter: newFakeStarter(nil), attempts: make(chan time.Time, 1000)}
		h := newHarnessWithDeps(t, bug.fakeStarter, service(t, config.RestartOnFailure, func(s *config.Service) {
			s.Restart.StartLimitBurst = 4
			s.Restart.StartLimitInterval = 10 * time.Minute
		}), nil, func(d *serviceDeps) { d.procs = bug })
		p := h.nextStart(time.Second)
		bug.buggy.Store(true)
		exitAt := h.crash(p, 1)

		// The crash's restart (1s) fails with the bug; then the bug's
		// own restarts wait 2s, then 4s: the streak goes on.
		prev := bug.next(t)
		if got := prev.Sub(exitAt); got != time.Second {
			t.Fatalf("the restart after the crash came %v after it, want 1s", got)
		}
		for _, want := range []time.Duration{2 * time.Second, 4 * time.Second} {
			next := bug.next(t)
			if got := next.Sub(prev); got != want {
				t.Fatalf("a start attempt came %v after the failure of superd's actor, want %v (%d attempts so far)", got, want, bug.n.Load())
			}
			prev = next
		}
		// 4 starts in the window: it gives up.
		st := h.wantState(StateFatal, 0)
		if !strings.Contains(st.Error, "start limit") || !strings.Contains(st.Error, "injected bug") {
			t.Fatalf("fatal error %q: want the start limit and the bug", st.Error)
		}
		time.Sleep(24 * time.Hour)
		synctest.Wait()
		if n := bug.n.Load(); n != 3 {
			t.Fatalf("%d start attempts failed with the bug, want 3", n)
		}
		h.evMu.Lock()
		var restarts, fatals int
		for _, ev := range h.events {
			switch ev.Type {
			case notify.TypeRestart:
				restarts++
			case notify.TypeFatal:
				fatals++
				if !strings.Contains(ev.Reason, "injected bug") {
					t.Errorf("fatal event reason %q does not name the bug", ev.Reason)
				}
			}
		}
		h.evMu.Unlock()
		if restarts != 3 || fatals != 1 {
			t.Fatalf("published %v: want 3 restarts and 1 fatal", h.published())
		}

		// The bug gone, a start by hand runs it again.
		bug.buggy.Store(false)
		if r := h.start(); r.err != nil || r.status.State != StateRunning {
			t.Fatalf("start after the give-up: %+v, %v; want running", r.status, r.err)
		}
		p = h.takeStart()
		if st := h.wantState(StateRunning, 0); st.PID != p.pid || st.Error != "" {
			t.Fatalf("after the start: %+v; want running pid %d and no error", st, p.pid)
		}
	})
}

// bugStarter is a fakeStarter whose Start panics while buggy, at most 200
// times (so that a tight loop of restarts ends), and records the time of
// each such attempt.
type bugStarter struct {
	*fakeStarter
	buggy    atomic.Bool
	n        atomic.Int32
	attempts chan time.Time
}

func (b *bugStarter) Start(spec process.Spec, onExit func(process.Exit)) (process.Handle, error) {
	if b.buggy.Load() && b.n.Add(1) <= 200 {
		b.attempts <- time.Now()
		panic("injected bug in the process layer")
	}
	return b.fakeStarter.Start(spec, onExit)
}

// next returns the time of the next attempt that panicked.
func (b *bugStarter) next(t *testing.T) time.Time {
	t.Helper()
	select {
	case at := <-b.attempts:
		return at
	case <-time.After(time.Hour):
		t.Fatalf("no start attempt within 1h (%d so far)", b.n.Load())
		return time.Time{}
	}
}

// A bug that hits a service actor while its process runs (here: its
// signaller panics) kills the process, which superd no longer handles,
// and restarts the service after RestartSec= even with Restart=no: the
// service did not end, superd's failure ended it. It was restarted at once,
// the first of a tight loop if the bug recurs.
func TestRestartrevActorBugWhileRunning(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarnessWithDeps(t, newFakeStarter(nil), service(t, config.RestartNo, nil), nil, func(d *serviceDeps) {
			prev := d.signal
			d.signal = func(pgid int, sig string) error {
				if sig == "SIGUSR1" {
					panic("injected bug in the signaller")
				}
				return prev(pgid, sig)
			}
		})
		p := h.nextStart(time.Second)
		h.wantState(StateRunning, 0)
		failedAt := time.Now()
		h.sys.Root.Send(h.services, &signalService{name: svcName, signal: "SIGUSR1", reply: make(chan result, 1)})
		synctest.Wait()
		if !slices.Contains(h.sigs.to(p.pid), fmt.Sprintf("SIGKILL→%d", p.pid)) {
			t.Fatalf("signals to the process of the failed actor: %v; want a SIGKILL", h.sigs.to(p.pid))
		}
		st := h.wantState(StateBackoff, 1000)
		if st.PID != 0 || !strings.Contains(st.Error, "injected bug") {
			t.Fatalf("after the failure: %+v; want no PID and the bug as the error", st)
		}
		next := h.restartAfter(failedAt, time.Second)
		if st := h.wantState(StateRunning, 0); st.PID != next.pid || st.Restarts != 1 {
			t.Fatalf("after the restart: %+v; want running pid %d, 1 restart", st, next.pid)
		}
	})
}

// A bug in the new incarnation's own start (its Started, before any
// process) recurs at each restart without a new process: each failure
// still counts as a start attempt, so the backoff grows and the service
// gives up as a crash loop does; the actor, resumed, then starts it by
// hand.
func TestRestartrevActorBugInStarted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var buggy atomic.Bool
		bugs := make(chan time.Time, 1000)
		h := newHarnessWithDeps(t, newFakeStarter(nil), service(t, config.RestartOnFailure, func(s *config.Service) {
			s.Restart.StartLimitBurst = 4
			s.Restart.StartLimitInterval = 10 * time.Minute
		}), nil, func(d *serviceDeps) {
			d.beforeReceive = func(msg any) {
				if _, ok := msg.(*actor.Started); ok && buggy.Load() && len(bugs) < 200 {
					bugs <- time.Now()
					panic("injected bug in Started")
				}
			}
		})
		p := h.nextStart(time.Second)
		buggy.Store(true)
		exitAt := h.crash(p, 1)
		next := func() time.Time {
			t.Helper()
			select {
			case at := <-bugs:
				return at
			case <-time.After(time.Hour):
				t.Fatalf("no restart within 1h (%d failures so far)", len(bugs))
				return time.Time{}
			}
		}
		prev := next()
		if got := prev.Sub(exitAt); got != time.Second {
			t.Fatalf("the restart after the crash came %v after it, want 1s", got)
		}
		for _, want := range []time.Duration{2 * time.Second, 4 * time.Second} {
			at := next()
			if got := at.Sub(prev); got != want {
				t.Fatalf("a restart came %v after the previous failure of Started, want %v", got, want)
			}
			prev = at
		}
		st := h.wantState(StateFatal, 0)
		if !strings.Contains(st.Error, "start limit 4") {
			t.Fatalf("fatal error %q: want the start limit", st.Error)
		}
		time.Sleep(24 * time.Hour)
		synctest.Wait()
		if n := len(bugs); n != 0 {
			t.Fatalf("%d more failures after the give-up", n)
		}
		h.noStart(time.Second)

		buggy.Store(false)
		if r := h.start(); r.err != nil || r.status.State != StateRunning {
			t.Fatalf("start after the give-up: %+v, %v; want running", r.status, r.err)
		}
		h.takeStart()
	})
}

// A bug that hits the actor of a service that had ended (here: exited
// cleanly with Restart=no) does not start it again: it stays exited, and
// the signal that met the bug is answered.
func TestRestartrevActorBugWhileExited(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarnessWithDeps(t, newFakeStarter(nil), service(t, config.RestartNo, nil), nil, func(d *serviceDeps) {
			d.beforeReceive = func(msg any) {
				if _, ok := msg.(*signalService); ok {
					panic("injected bug in the signal's handling")
				}
			}
		})
		h.crash(h.nextStart(time.Second), 0)
		h.wantState(StateExited, 0)
		r := h.ask(func(r replyTo) any { return &signalService{name: svcName, signal: "SIGHUP", reply: r} })
		if r.err == nil {
			t.Fatal("the signal that met the bug was answered without an error")
		}
		h.noStart(time.Hour)
		st := h.wantState(StateExited, 0)
		if st.LastExit == nil || st.LastExit.Code == nil || *st.LastExit.Code != 0 || !strings.Contains(st.Error, "injected bug") {
			t.Fatalf("after the bug: %+v; want still exited with code 0, the bug as its error", st)
		}
		// The actor, resumed, still answers.
		if r := h.stop(); r.err != nil || r.status.State != StateStopped {
			t.Fatalf("stop after the bug: %+v, %v", r.status, r.err)
		}
	})
}

// panicOn is a slog handler that panics on the record whose message is
// msg, as a bug of the code that logs it would.
type panicOn struct {
	slog.Handler
	msg string
	hit *atomic.Bool
}

func (p panicOn) Enabled(context.Context, slog.Level) bool { return true }

func (p panicOn) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == p.msg {
		p.hit.Store(true)
		panic("injected bug while logging " + p.msg)
	}
	return p.Handler.Handle(ctx, r)
}

// A bug that hits the actor while it handles a crash of its process (here
// in the line it logs about the exit, once it has forgotten the process)
// restarts the service as the crash would have: it was running when the
// crash came, though the actor no longer said so when it failed.
func TestRestartrevActorBugWhileHandlingACrash(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var logged atomic.Bool
		h := newHarnessWithDeps(t, newFakeStarter(nil), service(t, config.RestartOnFailure, nil), nil, func(d *serviceDeps) {
			d.logger = slog.New(panicOn{Handler: slog.DiscardHandler, msg: "process exited", hit: &logged})
		})
		p := h.nextStart(time.Second)
		exitAt := h.crash(p, 1)
		if !logged.Load() {
			t.Fatal("test premise: the exit's log line did not fail")
		}
		h.wantState(StateBackoff, 1000)
		next := h.restartAfter(exitAt, time.Second)
		if st := h.wantState(StateRunning, 0); st.PID != next.pid {
			t.Fatalf("after the restart: %+v; want running pid %d", st, next.pid)
		}
	})
}

// A bug that hits a service actor during a stop answers the commands
// waiting for that stop (the stop itself, a start queued behind it) with
// the failure. Their continuations were dropped unanswered: their clients
// waited until their own timeout, forever without one.
func TestRestartrevActorBugAnswersCommandsWaitingForAStop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarnessWithDeps(t, newFakeStarter(nil), service(t, config.RestartNo, func(s *config.Service) {
			s.TimeoutStopSec = time.Hour
		}), nil, func(d *serviceDeps) {
			prev := d.signal
			d.signal = func(pgid int, sig string) error {
				if sig == "SIGUSR1" {
					panic("injected bug in the signaller")
				}
				return prev(pgid, sig)
			}
		})
		h.nextStart(time.Second)
		stopped, started := make(chan result, 1), make(chan result, 1)
		h.sys.Root.Send(h.services, &stopService{name: svcName, reply: stopped})
		synctest.Wait()
		h.sys.Root.Send(h.services, &startService{name: svcName, reply: started})
		synctest.Wait()
		h.wantState(StateStopping, -1) // the process ignores the stop's signal
		h.sys.Root.Send(h.services, &signalService{name: svcName, signal: "SIGUSR1", reply: make(chan result, 1)})
		synctest.Wait()
		for what, c := range map[string]chan result{"stop": stopped, "start queued behind it": started} {
			if r, ok := answered(t, what, c); ok && (r.err == nil || !strings.Contains(r.err.Error(), "injected bug")) {
				t.Errorf("%s: answered %v; want the bug", what, r.err)
			}
		}
	})
}

// A bug that hits the continuation being run (the start queued behind a
// stop, here a process layer that panics in Start) answers that start too,
// not only those queued after it; and a bug in a start handled at once
// answers it. Both were left without an answer.
func TestRestartrevActorBugAnswersTheCommandItCutShort(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bug := &bugStarter{fakeStarter: newFakeStarter(nil), attempts: make(chan time.Time, 1000)}
		h := newHarnessWithDeps(t, bug.fakeStarter, service(t, config.RestartNo, func(s *config.Service) {
			s.TimeoutStopSec = time.Hour
		}), nil, func(d *serviceDeps) { d.procs = bug })
		p := h.nextStart(time.Second)
		stopped, first, second := make(chan result, 1), make(chan result, 1), make(chan result, 1)
		h.sys.Root.Send(h.services, &stopService{name: svcName, reply: stopped})
		synctest.Wait()
		for _, c := range []chan result{first, second} {
			h.sys.Root.Send(h.services, &startService{name: svcName, reply: c})
			synctest.Wait()
		}
		bug.buggy.Store(true)
		p.exit(0) // the stop ends: the starts queued behind it run
		synctest.Wait()
		if r, ok := answered(t, "stop", stopped); ok && r.err != nil {
			t.Errorf("stop: %v", r.err)
		}
		for what, c := range map[string]chan result{"start run when the bug struck": first, "start queued after it": second} {
			if r, ok := answered(t, what, c); ok && (r.err == nil || !strings.Contains(r.err.Error(), "injected bug")) {
				t.Errorf("%s: answered %v; want the bug", what, r.err)
			}
		}

		// A start handled at once, the service stopped.
		bug.buggy.Store(false)
		p = h.nextStart(time.Hour) // the bug's restart runs it again
		h.sys.Root.Send(h.services, &stopService{name: svcName, reply: stopped})
		synctest.Wait()
		p.exit(0)
		synctest.Wait()
		if r, ok := answered(t, "second stop", stopped); ok && r.err != nil {
			t.Fatalf("second stop: %v", r.err)
		}
		h.wantState(StateStopped, -1)
		bug.n.Store(0)
		bug.buggy.Store(true)
		direct := make(chan result, 1)
		h.sys.Root.Send(h.services, &startService{name: svcName, reply: direct})
		synctest.Wait()
		if r, ok := answered(t, "start handled at once", direct); ok && (r.err == nil || !strings.Contains(r.err.Error(), "injected bug")) {
			t.Errorf("start handled at once: answered %v; want the bug", r.err)
		}
	})
}
