package actors

import (
	"log/slog"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/notify"
)

// A stop whose main process SIGKILL cannot end (stuck in the kernel: a
// frozen cgroup, a hung file system) ends groupKillWait after the SIGKILL,
// as one whose main process exited but whose group is stuck does, and as
// systemd gives up on a unit's processes after its final SIGKILL: it used
// to wait for the process forever, "stopping", with the operator's stop
// (and a start or restart queued behind it) never answered.
func TestStopOfProcessStuckAfterSIGKILLEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		procs := newFakeStarter(nil)
		h := newHarness(t, procs, service(t, config.RestartAlways, func(s *config.Service) {
			s.TimeoutStopSec = 3 * time.Second
		}))
		p := h.nextStart(time.Second) // it never exits: the fake ignores signals
		synctest.Wait()

		sent := time.Now()
		stopped := sendStop(h)
		restarted := make(chan result, 1)
		h.sys.Root.Send(h.services, &restartService{name: svcName, reply: restarted})
		r := answer(t, stopped, "the stop of a process stuck after SIGKILL")
		if waited, want := time.Since(sent), 3*time.Second+groupKillWait; waited != want {
			t.Fatalf("the stop was answered after %v, want %v (TimeoutStopSec, then the wait after SIGKILL)", waited, want)
		}
		if r.err != nil || r.status.State != StateStopped || r.status.PID != 0 {
			t.Fatalf("stop answered %+v, %v; want stopped without a pid", r.status, r.err)
		}
		if want := "still there after SIGKILL"; !strings.Contains(r.status.Error, want) {
			t.Fatalf("stopped with error %q, want it to say %q", r.status.Error, want)
		}
		if sigs := h.sigs.to(p.pid); !strings.Contains(strings.Join(sigs, " "), "SIGKILL") {
			t.Fatalf("signals to the group %v, want a SIGKILL", sigs)
		}
		// The restart queued behind the stop goes ahead.
		select {
		case r = <-restarted:
		case <-time.After(time.Hour):
			t.Fatal("the restart queued behind the stop was never answered")
		}
		np := h.takeStart()
		if r.err != nil || r.status.State != StateRunning || r.status.PID != np.pid {
			t.Fatalf("restart answered %+v, %v; want running pid %d", r.status, r.err, np.pid)
		}
		if st := h.wantState(StateRunning, 0); st.Error != "" {
			t.Fatalf("running with error %q, want none", st.Error)
		}
		// The stuck process's exit, once it comes, changes nothing.
		p.exit(0)
		synctest.Wait()
		if st := h.wantState(StateRunning, 0); st.PID != np.pid {
			t.Fatalf("running pid %d after the old process's exit, want %d", st.PID, np.pid)
		}
	})
}

// Once the process a stop left after its SIGKILL exits at last, the
// status no longer says it is still there: it used to, until the next
// start.
func TestStuckProcessExitClearsTheStatusError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, p := stuckRunning(t)
		r := answer(t, sendStop(h), "the stop")
		if !strings.Contains(r.status.Error, "still there after SIGKILL") {
			t.Fatalf("stopped with error %q, want it to say the process is still there", r.status.Error)
		}
		p.exit(-1)
		synctest.Wait()
		if st := h.wantState(StateStopped, 0); st.Error != "" || st.PID != 0 {
			t.Fatalf("after the stuck process exited: %+v, want stopped with no error", st)
		}
		// Nothing restarted it: its exit was the stop's.
		h.noStart(time.Minute)
	})
}

// A stop that leaves its process after the SIGKILL published an exit
// event (signal SIGKILL) for a process still alive, and nothing when it
// did exit: the stop event says the process is left behind, and the exit
// event comes with the exit.
func TestStuckProcessExitIsPublishedWhenItComes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, p := stuckRunning(t)
		answer(t, sendStop(h), "the stop")
		synctest.Wait()
		types := func() (got []string, last notify.Event) {
			h.evMu.Lock()
			defer h.evMu.Unlock()
			for _, e := range h.events {
				got = append(got, e.Type)
				last = e
			}
			return got, last
		}
		got, stop := types()
		if !slices.Equal(got, []string{notify.TypeStart, notify.TypeStop}) {
			t.Fatalf("events after the stop %v; want start, stop: no exit of a process still there", got)
		}
		if stop.PID != p.pid || !strings.Contains(stop.Reason, "still there after SIGKILL") {
			t.Fatalf("stop event %+v; want pid %d and a reason saying the process is left", stop, p.pid)
		}
		// Nor does the status claim an exit that has not come.
		if st := h.wantState(StateStopped, 0); st.LastExit != nil {
			t.Fatalf("status before the exit: last exit %+v, want none", st.LastExit)
		}
		p.exit(3)
		synctest.Wait()
		if st := h.wantState(StateStopped, 0); st.LastExit == nil || st.LastExit.Code == nil || *st.LastExit.Code != 3 {
			t.Fatalf("status after the exit: last exit %+v, want code 3, as its event says", st.LastExit)
		}
		got, exit := types()
		if !slices.Equal(got, []string{notify.TypeStart, notify.TypeStop, notify.TypeExit}) {
			t.Fatalf("events after its exit %v; want start, stop, exit", got)
		}
		if exit.PID != p.pid || exit.Code == nil || *exit.Code != 3 || !exit.Expected {
			t.Fatalf("exit event %+v; want pid %d, code 3, expected", exit, p.pid)
		}
	})
}

// stuckRunning starts, inside the bubble, a service with a TimeoutStopSec=
// of 1s whose process no signal ends (the fake ignores them: a process
// stuck in the kernel), and returns once it runs.
func stuckRunning(t *testing.T) (*harness, *fakeProc) {
	t.Helper()
	h := newHarness(t, newFakeStarter(nil), service(t, config.RestartAlways, func(s *config.Service) {
		s.TimeoutStopSec = time.Second
	}))
	p := h.nextStart(time.Second)
	synctest.Wait()
	return h, p
}

// sendStop sends the harness's service a stop and returns where its answer
// comes.
func sendStop(h *harness) <-chan result {
	reply := make(chan result, 1)
	h.sys.Root.Send(h.services, &stopService{name: svcName, reply: reply})
	return reply
}

// answer waits for an answer on reply, an hour at most of the bubble's
// fake time: what never comes fails the test, named by what.
func answer(t *testing.T, reply <-chan result, what string) result {
	t.Helper()
	select {
	case r := <-reply:
		return r
	case <-time.After(time.Hour):
		t.Fatalf("%s was never answered", what)
		return result{}
	}
}

// A stop that gives up on a process still there after its SIGKILL does
// not log "process stopped" with a SIGKILL status, of a process that has
// not exited: it says the process is left behind.
func TestStopGivenUpOnIsNotLoggedAsStopped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var logged lockedBuffer
		logger := slog.New(slog.NewTextHandler(&logged, nil))
		procs := newFakeStarter(nil)
		h := newHarnessWithDeps(t, procs, service(t, config.RestartAlways, func(s *config.Service) {
			s.TimeoutStopSec = time.Second
		}), nil, func(d *serviceDeps) { d.logger = logger })
		h.nextStart(time.Second) // it never exits: the fake ignores signals
		synctest.Wait()
		answer(t, sendStop(h), "the stop")
		synctest.Wait()
		if out := logged.String(); strings.Contains(out, `msg="process stopped"`) || !strings.Contains(out, `msg="stop over, the process left behind"`) {
			t.Errorf("log of a stop given up on:\n%s\nwant no \"process stopped\", and the process said left behind", out)
		}
	})
}
