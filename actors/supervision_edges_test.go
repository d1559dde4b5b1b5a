package actors

import (
	"io/fs"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/supers-dev/supers/actors/process"
	"github.com/supers-dev/supers/config"
)

// lcHeldSinks is a fake log sink actor whose answers to openSink can be held
// back, as a slow disk would.
type lcHeldSinks struct {
	mu   sync.Mutex
	hold bool
	held []*actor.PID // senders waiting for their sinkOpened
	spec []*config.Service
}

func (h *lcHeldSinks) receive(ctx actor.Context) {
	m, ok := ctx.Message().(*openSink)
	if !ok {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.hold {
		h.held = append(h.held, ctx.Sender())
		h.spec = append(h.spec, m.spec)
		return
	}
	ctx.Respond(&sinkOpened{spec: m.spec, sink: devNullPipes{}})
}

// release answers the held openSink requests.
func (h *lcHeldSinks) release(root *actor.RootContext) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, to := range h.held {
		root.Send(to, &sinkOpened{spec: h.spec[i], sink: devNullPipes{}})
	}
	h.held, h.spec, h.hold = nil, nil, false
}

// A shutdown that comes while a reload re-creates a service (its old actor
// gone, the new one waiting for its log files) ends as soon as that
// creation is refused: nothing runs any more, so nothing is waited for.
func TestStopAllDuringReCreation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		procs := newFakeStarter(nil)
		sinks := &lcHeldSinks{}
		h := newHarnessWithSinks(t, procs, service(t, config.RestartAlways, nil), sinks.receive)
		sys, services := h.sys, h.services
		p := <-procs.started

		// A reload changes the service: it is stopped, its actor goes, and
		// its replacement waits for its log files.
		sinks.mu.Lock()
		sinks.hold = true
		sinks.mu.Unlock()
		v2 := service(t, config.RestartAlways, func(s *config.Service) { s.Description = "v2" })
		sys.Root.Send(services, &applyConfig{changed: []*config.Service{v2}})
		synctest.Wait()
		p.onExit(process.Exit{PID: p.pid, Code: -1, Signal: "SIGTERM", Time: time.Now()})
		synctest.Wait()
		sinks.mu.Lock()
		waiting := len(sinks.held)
		sinks.mu.Unlock()
		if waiting != 1 {
			t.Fatalf("%d log sinks requested, want the replacement's", waiting)
		}

		done := make(chan struct{})
		sys.Root.Send(services, &stopAll{done: done})
		synctest.Wait()
		sinks.release(sys.Root)
		synctest.Wait()
		select {
		case <-done:
		default:
			t.Fatal("stopAll not answered once the re-creation was refused")
		}
		if n := procs.count(); n != 1 {
			t.Fatalf("%d processes started, want 1", n)
		}
	})
}

// A service that gave up after failed starts still says why they failed:
// the start limit is the reason it is fatal, not the cause of the failures.
func TestSupervisionFatalExecFailureKeepsCause(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		procs := newFakeStarter(func(int) error {
			return &process.ExecError{Op: "exec", Path: "/bin/false", Err: fs.ErrNotExist}
		})
		h := newHarness(t, procs, service(t, config.RestartOnFailure, func(s *config.Service) {
			s.Restart.StartLimitBurst = 2
		}))
		first := h.nextStart(time.Second)
		h.restartAfter(first.at, time.Second)
		st := h.wantState(StateFatal, 0)
		if !strings.Contains(st.Error, "start limit") || !strings.Contains(st.Error, `exec "/bin/false": file does not exist`) {
			t.Fatalf("fatal error %q does not give both the start limit and the cause of the failures", st.Error)
		}
	})
}

// lcRecordingSupervisor is an actor.Supervisor that records its directives.
type lcRecordingSupervisor struct {
	restarted, resumed []*actor.PID
}

func (r *lcRecordingSupervisor) Children() []*actor.PID     { return nil }
func (r *lcRecordingSupervisor) EscalateFailure(_, _ any)   {}
func (r *lcRecordingSupervisor) StopChildren(...*actor.PID) {}
func (r *lcRecordingSupervisor) RestartChildren(p ...*actor.PID) {
	r.restarted = append(r.restarted, p...)
}
func (r *lcRecordingSupervisor) ResumeChildren(p ...*actor.PID) { r.resumed = append(r.resumed, p...) }

// A service that crashes while it is being stopped for good (superd shuts
// down, or a reload removes it) is not restarted: its stop already waits
// in its mailbox, and the child is resumed to answer it, instead of a new
// process being started (at once) or the stop waiting for a backoff.
func TestNoRestartOnceStoppingForGood(t *testing.T) {
	for _, tc := range []struct {
		name              string
		closing, removing bool
		delay             time.Duration
	}{
		{"shutdown, restart at once", true, false, 0},
		{"shutdown, after a delay", true, false, time.Second},
		{"removal, restart at once", false, true, 0},
		{"removal, after a delay", false, true, time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			discard := slog.New(slog.DiscardHandler)
			s := newServicesActor(&serviceDeps{logger: discard, now: time.Now, rand: func() float64 { return 0.5 }}, nil)
			spec := service(t, config.RestartAlways, func(s *config.Service) {
				s.Restart.Delay = tc.delay
				s.Restart.MaxDelay = time.Minute
			})
			child := actor.NewPID("local", "services/"+svcName)
			e := &serviceEntry{pid: child, spec: spec, removing: tc.removing}
			s.setEntry(svcName, e)
			s.closing = tc.closing
			defer s.cancelTimer(e)
			sup := &lcRecordingSupervisor{}
			s.HandleFailure(nil, sup, child, nil, &exitError{Service: svcName, Exit: process.Exit{PID: 100001, Code: 1}, Gen: 1}, nil)
			if len(sup.restarted) != 0 || len(sup.resumed) != 1 || e.timer != nil || e.overlay != "" {
				t.Fatalf("restarted %v, resumed %v, timer armed %v, overlay %q; want only resumed",
					sup.restarted, sup.resumed, e.timer != nil, e.overlay)
			}
		})
	}
}
