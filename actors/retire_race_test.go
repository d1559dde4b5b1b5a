package actors

import (
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/supers-dev/supers/config"
)

// raceStopStartReplace runs the race of commit 3dbaeb9 through the real
// services supervisor: a stop of the stopped service, a start, then a
// reload that changes the definition, the child held on the first stop
// until the reload has been decided.
func raceStopStartReplace(t *testing.T, bugOnExit *atomic.Bool) (*harness, *fakeProc, chan result) {
	gate := make(chan struct{})
	var first atomic.Bool
	h := newHarnessWithDeps(t, newFakeStarter(nil), service(t, config.RestartOnFailure, func(s *config.Service) {
		s.AutoStart = false
		s.TimeoutStopSec = time.Minute
	}), nil, func(d *serviceDeps) {
		d.beforeReceive = func(msg any) {
			switch msg.(type) {
			case *stopService:
				if first.CompareAndSwap(false, true) {
					<-gate
				}
			case *processExited:
				if bugOnExit != nil && bugOnExit.Load() {
					panic("injected bug while the retiring actor handles its process's exit")
				}
			}
		}
	})
	h.wantState(StateStopped, 0)
	stopped, started := make(chan result, 1), make(chan result, 1)
	h.sys.Root.Send(h.services, &stopService{name: svcName, reply: stopped})
	h.sys.Root.Send(h.services, &startService{name: svcName, reply: started})
	changed := service(t, config.RestartOnFailure, func(s *config.Service) {
		s.AutoStart = false
		s.Description = "changed"
	})
	h.sys.Root.Send(h.services, &applyConfig{changed: []*config.Service{changed}})
	synctest.Wait()
	close(gate)
	p := h.nextStart(time.Second)
	synctest.Wait()
	return h, p, started
}

// A stop of the stopped service, a start, then a reload that changes its
// definition, the child held on the stop until the reload is decided: the
// start was answered "running", but the replacement was created stopped
// (retireIfDone ignored the start's status once it had told the actor to
// retire). The replacement now runs, as the start's answer said.
func TestRetireRaceKeepsTheAnsweredStart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, p, started := raceStopStartReplace(t, nil)
		r := <-started
		if r.err != nil || r.status.State != StateRunning {
			t.Fatalf("start: %+v, %v; want running", r.status, r.err)
		}
		p.exit(0)
		synctest.Wait()
		time.Sleep(time.Second)
		st := h.status()
		if st.Description != "changed" {
			t.Fatalf("the replacement was not created: %+v", st)
		}
		if st.State != StateRunning {
			t.Fatalf("the start sent before the reload was answered %q, but the replacement is %s", r.status.State, st.State)
		}
	})
}

// A bug in the retiring actor while it waits for its stop: the services
// supervisor resumed it (actorFailed) but, unlike after an exitError, did
// not tell it to retire again: the replacement was never created.
func TestRetireAfterAnActorBug(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var bug atomic.Bool
		h, p, started := raceStopStartReplace(t, &bug)
		<-started
		bug.Store(true)
		p.exit(0)
		synctest.Wait()
		bug.Store(false)
		time.Sleep(time.Hour)
		st := h.status()
		if st.Description != "changed" {
			t.Fatalf("an hour after the bug, the replacement was never created: %+v", st)
		}
	})
}

// The race with a removal, TimeoutStopSec=infinity: the retiring actor
// stops the process the start launched; the operator's signal, the only
// way to end such a stop, was refused (e.actorStop): it reaches the
// process now.
func TestRetiringActorTakesSignals(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		gate := make(chan struct{})
		var first atomic.Bool
		h := newHarnessWithDeps(t, newFakeStarter(nil), service(t, config.RestartOnFailure, func(s *config.Service) {
			s.AutoStart = false
			s.TimeoutStopSec = config.Infinity
		}), nil, func(d *serviceDeps) {
			d.beforeReceive = func(msg any) {
				if _, ok := msg.(*stopService); ok && first.CompareAndSwap(false, true) {
					<-gate
				}
			}
		})
		h.wantState(StateStopped, 0)
		stopped, started := make(chan result, 1), make(chan result, 1)
		h.sys.Root.Send(h.services, &stopService{name: svcName, reply: stopped})
		h.sys.Root.Send(h.services, &startService{name: svcName, reply: started})
		h.sys.Root.Send(h.services, &applyConfig{removed: []string{svcName}})
		synctest.Wait()
		close(gate)
		p := h.nextStart(time.Second)
		synctest.Wait()
		<-started
		r := h.ask(func(r replyTo) any { return &signalService{name: svcName, signal: "SIGKILL", reply: r} })
		if r.err != nil {
			t.Errorf("the signal that could end the removal's stop was refused: %v", r.err)
		}
		if sent := h.sigs.to(p.pid); !slices.Contains(sent, fmt.Sprintf("SIGKILL→%d", p.pid)) {
			t.Errorf("signals sent to the group: %v, want the SIGKILL among them", sent)
		}
		p.exit(0)
		synctest.Wait()
	})
}
