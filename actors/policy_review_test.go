package actors

import (
	"log/slog"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/supers-dev/supers/actors/process"
	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/notify"
	"github.com/supers-dev/supers/transport"
)

// newGroupHarness is newHarness, for a Restart=on-failure service (edited
// by edit), with a process layer whose groups outlive their main process
// while the returned flag is true: an exit nobody asked for then leaves
// the service stopping (no PID) until the test sets it false, as a crash
// whose group members take a while to die does.
func newGroupHarness(t *testing.T, edit func(*config.Service)) (*harness, *atomic.Bool) {
	t.Helper()
	lingering := new(atomic.Bool)
	h := newHarnessWithDeps(t, newFakeStarter(nil), service(t, config.RestartOnFailure, edit), nil, func(d *serviceDeps) {
		d.groupExists = func(int) bool { return lingering.Load() }
	})
	return h, lingering
}

// crashLingering crashes p with exit code code while its group lingers
// (lingering set): the service shows stopping until the test clears it.
func (h *harness) crashLingering(lingering *atomic.Bool, p *fakeProc, code int) {
	h.t.Helper()
	lingering.Store(true)
	h.crash(p, code)
	h.wantState(StateStopping, -1)
}

// answered returns the answer waiting in c, and reports an error of the
// test (what names the command) if none is.
func answered(t *testing.T, what string, c chan result) (result, bool) {
	t.Helper()
	select {
	case r := <-c:
		return r, true
	default:
		t.Errorf("%s: no answer", what)
		return result{}, false
	}
}

// stableAfterAnHour keeps a streak going whatever the runs' lengths.
func stableAfterAnHour(s *config.Service) { s.Restart.StableAfter = time.Hour }

// TestPolicyStartDuringCrashCleanupKeepsStreak: a start that finds a
// crashed service still stopping (its main process gone, the rest of its
// group being killed before the restart decided) keeps the streak and the
// start limit, as a start in backoff does (it is carried out once the
// cleanup ends, in place of the backoff). It reset them, as a start of a
// stopped service does: a script that keeps starting a crash-looping
// service whose crashes leave group members behind defeated its backoff
// (the failure waited RestartSec again) and its start limit.
func TestPolicyStartDuringCrashCleanupKeepsStreak(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, lingering := newGroupHarness(t, stableAfterAnHour)
		p := h.nextStart(time.Second)
		p = h.restartAfter(h.crash(p, 1), time.Second)   // failure 1
		p = h.restartAfter(h.crash(p, 1), 2*time.Second) // failure 2
		lingering.Store(true)
		h.crash(p, 1) // failure 3: its group lingers
		h.wantState(StateStopping, -1)

		reply := make(chan result, 1)
		h.sys.Root.Send(h.services, &startService{name: svcName, reply: reply})
		synctest.Wait()
		lingering.Store(false)
		// The group gone, the start held meanwhile is carried out at
		// once, in place of failure 3's backoff.
		p = h.nextStart(time.Second)
		if r := <-reply; r.err != nil || r.status.State != StateRunning {
			t.Fatalf("start during the crash's cleanup: %+v, %v; want running", r.status, r.err)
		}
		// The streak went on: failure 4 waits 8s (1s·2³), not 1s as the
		// first of a new one.
		h.crash(p, 1)
		h.wantState(StateBackoff, 8000)
	})
}

// TestPolicyStartAfterStopDuringCrashCleanupStartsOver: a stop, then a
// start, of a crashed service still stopping start it over, as after any
// stop: the streak is cleared.
func TestPolicyStartAfterStopDuringCrashCleanupStartsOver(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, lingering := newGroupHarness(t, stableAfterAnHour)
		p := h.nextStart(time.Second)
		p = h.restartAfter(h.crash(p, 1), time.Second)
		lingering.Store(true)
		h.crash(p, 1)
		h.wantState(StateStopping, -1)

		stopped, started := make(chan result, 1), make(chan result, 1)
		h.sys.Root.Send(h.services, &stopService{name: svcName, reply: stopped})
		h.sys.Root.Send(h.services, &startService{name: svcName, reply: started})
		synctest.Wait()
		lingering.Store(false)
		if r := <-stopped; r.err != nil {
			t.Fatalf("stop: %v", r.err)
		}
		if r := <-started; r.err != nil {
			t.Fatalf("start: %v", r.err)
		}
		p = h.takeStart()
		// Started over: the next failure is the first of a streak.
		h.restartAfter(h.crash(p, 1), time.Second)
		if st := h.status(); st.State != transport.StateRunning {
			t.Fatalf("state %s after the restart", st.State)
		}
	})
}

// TestPolicyCoreDumpIsNotClean: a process killed by a signal that dumped
// core crashed, even if SuccessExitStatus= lists the signal (systemd's
// rule): Restart=on-failure restarts it. It was taken for a clean end and
// left exited.
func TestPolicyCoreDumpIsNotClean(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, _ := newGroupHarness(t, func(s *config.Service) {
			s.Restart.SuccessExitStatus = config.ExitStatusSet{Signals: []string{"SIGABRT"}}
		})
		p := h.nextStart(time.Second)
		synctest.Wait()
		p.onExit(process.Exit{PID: p.pid, Code: -1, Signal: "SIGABRT", CoreDumped: true, Time: time.Now()})
		h.wantState(StateBackoff, 1000)

		// Without a core dump, the listed signal is a clean end.
		p = h.nextStart(time.Hour)
		synctest.Wait()
		p.onExit(process.Exit{PID: p.pid, Code: -1, Signal: "SIGABRT", Time: time.Now()})
		h.wantState(StateExited, -1)
	})
}

// TestPolicyEndNotFinalBeforeItsFailure: a service actor reports that its
// process ended (exited, or exec-failed), then fails; the failure, a
// system message, can reach the supervisor after that status. Until it
// has, what follows is not decided: the service shows as stopping (as
// while a crashed process's group is killed), not exited, which says
// "ended, not restarted" of a service about to be restarted (a status
// polled in a crash loop of Restart=always showed it about once in 8000
// reads); and a start then keeps the streak and the start limit, as in
// backoff, instead of clearing them as a start of an exited service does.
func TestPolicyEndNotFinalBeforeItsFailure(t *testing.T) {
	s := newServicesActor(&serviceDeps{logger: slog.New(slog.DiscardHandler), now: time.Now}, nil)
	e := &serviceEntry{spec: service(t, config.RestartAlways, nil)}
	start := &startService{name: svcName}
	s.observe(e, &statusChanged{status: transport.ServiceStatus{Name: svcName, State: StateRunning, PID: 100001}, gen: 1})
	for i, state := range []string{StateExited, StateExecFailed} {
		gen := uint64(i + 1)
		s.observe(e, &statusChanged{status: transport.ServiceStatus{Name: svcName, State: state}, gen: gen})
		if st := s.snapshot(e); st.State != StateStopping || st.PID != 0 {
			t.Errorf("%s of generation %d, its failure not handled: shown %s (PID %d), want stopping", state, gen, st.State, st.PID)
		}
		if !keepsPolicy(e, start) {
			t.Errorf("%s of generation %d, its failure not handled: a start clears the restart policy", state, gen)
		}
		e.opStop = true
		if keepsPolicy(e, start) {
			t.Errorf("%s of generation %d, after the operator's stop: a start keeps the restart policy", state, gen)
		}
		e.opStop = false

		e.failedGen = gen // HandleFailure decided: no restart, as the overlay is empty
		if st := s.snapshot(e); st.State != state {
			t.Errorf("%s of generation %d, its failure handled: shown %s", state, gen, st.State)
		}
		if keepsPolicy(e, start) {
			t.Errorf("%s of generation %d, its failure handled: a start keeps the restart policy", state, gen)
		}
	}
}

// TestPolicyRestartDuringCrashCleanupAnswersHeldStart: a start held while
// a crashed service's group was being killed, then a restart, are both
// answered once the restart has run the service. The start stayed held
// until the next unasked exit (and its backoff): its client got no answer.
func TestPolicyRestartDuringCrashCleanupAnswersHeldStart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, lingering := newGroupHarness(t, nil)
		h.crashLingering(lingering, h.nextStart(time.Second), 1)

		started, restarted := make(chan result, 1), make(chan result, 1)
		h.sys.Root.Send(h.services, &startService{name: svcName, reply: started})
		synctest.Wait()
		h.sys.Root.Send(h.services, &restartService{name: svcName, reply: restarted})
		synctest.Wait()
		lingering.Store(false)
		p := h.nextStart(time.Second)
		synctest.Wait()
		for what, c := range map[string]chan result{"restart": restarted, "start held before it": started} {
			if r, ok := answered(t, what, c); ok && (r.err != nil || r.status.State != StateRunning || r.status.PID != p.pid) {
				t.Errorf("%s: %+v, %v; want running as PID %d", what, r.status, r.err, p.pid)
			}
		}
		h.noStart(time.Minute) // one process, not one per command
	})
}

// TestPolicyStopDuringCrashCleanupReportsTheCrash: a process that exited
// on its own, then a stop that came while its group was being killed: the
// exit is a crash (not expected), then the service is stopped, and not
// restarted. It was reported as an expected exit, a stop's.
func TestPolicyStopDuringCrashCleanupReportsTheCrash(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, lingering := newGroupHarness(t, nil)
		h.crashLingering(lingering, h.nextStart(time.Second), 3)

		stopped := make(chan result, 1)
		h.sys.Root.Send(h.services, &stopService{name: svcName, reply: stopped})
		synctest.Wait()
		lingering.Store(false)
		if r := <-stopped; r.err != nil || r.status.State != StateStopped {
			t.Fatalf("stop: %+v, %v; want stopped", r.status, r.err)
		}
		st := h.wantState(StateStopped, -1)
		if st.LastExit == nil || st.LastExit.Expected || st.LastExit.Code == nil || *st.LastExit.Code != 3 {
			t.Errorf("last exit %+v; want code 3, not expected", st.LastExit)
		}
		h.evMu.Lock()
		var exits []bool
		for _, e := range h.events {
			if e.Type == notify.TypeExit {
				exits = append(exits, e.Expected)
			}
		}
		h.evMu.Unlock()
		if len(exits) != 1 || exits[0] {
			t.Errorf("exit events' expected: %v; want [false]", exits)
		}
		if got := h.published(); got[len(got)-1] != notify.TypeStop {
			t.Errorf("events %v; want the stop last", got)
		}
		h.noStart(time.Minute)
	})
}
