package actors

import (
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/supers-dev/supers/config"
)

// gatedPipes is a fake log sink whose first Pipes call (the first start of
// the service) waits until the test opens gate: the service actor is then
// in the middle of a start, before it has reported it.
type gatedPipes struct {
	entered chan struct{} // closed when the first call waits
	gate    chan struct{} // closed by the test to let it through
	once    sync.Once
}

func (g *gatedPipes) Pipes() (stdout, stderr *os.File, err error) {
	first := false
	g.once.Do(func() { first = true })
	if first {
		close(g.entered)
		<-g.gate
	}
	return devNullPipes{}.Pipes()
}

// An operator's start that reaches a stopped service just before a reload
// replaces it (the service actor has not reported it running yet when the
// services supervisor decides the replacement) is answered "running": the
// new definition must run too. The replacement was created stopped, as
// the service looked when the reload came, so the start the operator was
// told had succeeded was undone by the reload (and the state file, which
// recorded that start, disagreed with what ran).
func TestReloadRightAfterAStartKeepsTheServiceRunning(t *testing.T) {
	for _, cmd := range []string{"start", "restart"} {
		t.Run(cmd, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				pipes := &gatedPipes{entered: make(chan struct{}), gate: make(chan struct{})}
				h := newHarnessWithSinks(t, newFakeStarter(nil), service(t, config.RestartOnFailure, func(s *config.Service) {
					s.AutoStart = false
				}), func(ctx actor.Context) {
					if m, ok := ctx.Message().(*openSink); ok {
						ctx.Respond(&sinkOpened{spec: m.spec, sink: pipes})
					}
				})
				h.wantState(StateStopped, 0)

				reply := make(chan result, 1)
				var m any = &startService{name: svcName, reply: reply}
				if cmd == "restart" {
					m = &restartService{name: svcName, reply: reply}
				}
				h.sys.Root.Send(h.services, m)
				<-pipes.entered // the service actor is starting it
				changed := service(t, config.RestartOnFailure, func(s *config.Service) {
					s.AutoStart = false
					s.Description = "changed"
				})
				h.sys.Root.Send(h.services, &applyConfig{changed: []*config.Service{changed}})
				synctest.Wait() // the replacement is decided
				close(pipes.gate)

				r := <-reply
				if r.err != nil || r.status.State != StateRunning {
					t.Fatalf("%s answered %+v, %v; want running", cmd, r.status, r.err)
				}
				h.takeStart().exit(0) // the old process, stopped for the replacement
				p := h.nextStart(time.Minute)
				if p.n != 2 {
					t.Fatalf("start #%d, want #2 (the replacement)", p.n)
				}
				st := h.wantState(StateRunning, -1)
				if st.Description != "changed" {
					t.Fatalf("running %+v, want the new definition", st)
				}
			})
		})
	}
}

// replacementBeingCreated runs, inside a synctest bubble, a service whose
// definition a reload changes: the old process has stopped for the
// replacement, whose log sink is not opened until open is called, so
// that the new definition is being created meanwhile, with no process.
func replacementBeingCreated(t *testing.T) (h *harness, open func()) {
	t.Helper()
	var opens sync.Mutex
	n := 0
	gate := make(chan struct{})
	h = newHarnessWithSinks(t, newFakeStarter(nil), service(t, config.RestartOnFailure, nil), func(ctx actor.Context) {
		m, ok := ctx.Message().(*openSink)
		if !ok {
			return
		}
		opens.Lock()
		n++
		second := n == 2
		opens.Unlock()
		if !second {
			ctx.Respond(&sinkOpened{spec: m.spec, sink: devNullPipes{}})
			return
		}
		// The replacement's sink: opened once the test says so.
		sender, root := ctx.Sender(), ctx.ActorSystem().Root
		go func() {
			<-gate
			root.Send(sender, &sinkOpened{spec: m.spec, sink: devNullPipes{}})
		}()
	})
	old := h.takeStart()
	changed := service(t, config.RestartOnFailure, func(s *config.Service) { s.Description = "changed" })
	h.sys.Root.Send(h.services, &applyConfig{changed: []*config.Service{changed}})
	synctest.Wait()
	old.exit(0) // stopped for the replacement
	synctest.Wait()
	return h, func() { close(gate) }
}

// A signal sent while a reload re-creates a service (its old process is
// gone, the new one not started yet: the log sink of the new one is being
// opened) is refused, as one sent once the old process has stopped
// is: it was meant for the process that ran. It waited for the new
// process and hit it as it started, before that process could set its
// handlers (a SIGHUP from a log rotation killed it).
func TestSignalWhileReplacementIsCreatedIsRefused(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, open := replacementBeingCreated(t)
		if st := h.status(); st.State != StateStarting || st.PID != 0 {
			t.Fatalf("between the two: %+v, want starting without a process", st)
		}

		reply := make(chan result, 1)
		h.sys.Root.Send(h.services, &signalService{name: svcName, signal: "SIGHUP", reply: reply})
		synctest.Wait()
		select {
		case r := <-reply:
			reply <- r // checked below
		default:
			t.Fatal("the signal is not answered while the replacement is created: it waits for the creation")
		}
		open()
		p := h.nextStart(time.Minute)
		synctest.Wait()
		r := <-reply
		if got := h.sigs.to(p.pid); len(got) > 0 {
			t.Errorf("the new process got %v as it started", got)
		}
		if r.err == nil {
			t.Errorf("signal answered %+v, nil; want an error: no process to signal", r.status)
		}
		if st := h.wantState(StateRunning, -1); st.PID != p.pid {
			t.Fatalf("running %+v, want pid %d", st, p.pid)
		}
	})
}

// Two service files that are symbolic links to one file (one definition
// run twice, as worker1.service and worker2.service): under --watch, one
// of them found missing for a moment (a tool that deletes the link and
// makes it again) is an absence to confirm, as for any file. It was taken
// for a rename to the other name, which has the same file, so its service
// was stopped at once, and started again by the next reload.
func TestWatchAbsenceOfOneOfTwoLinksToOneFileIsHeld(t *testing.T) {
	dir, targets := t.TempDir(), t.TempDir()
	target := filepath.Join(targets, "worker.service")
	if err := os.WriteFile(target, []byte("[Service]\nExecStart=/bin/sleep 1000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	daemon, err := config.LoadDaemon(dir)
	if err != nil {
		t.Fatal(err)
	}
	c := &configActor{dir: dir, log: slog.New(slog.DiscardHandler), known: map[string]*config.Service{},
		stamps: map[string]fileStamp{}, daemonHash: daemon.Hash}
	for _, name := range []string{"worker1", "worker2"} {
		link := filepath.Join(dir, name+config.FileSuffix)
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
		sp, err := config.ParseFile(link)
		if err != nil {
			t.Fatal(err)
		}
		c.known[name] = sp
		c.stamp(sp)
	}
	if st := c.stamps["worker1"]; st.id == (fileID{}) {
		t.Skip("no file identities on this system")
	}
	if err := os.Remove(filepath.Join(dir, "worker1"+config.FileSuffix)); err != nil {
		t.Fatal(err)
	}
	res, apply, err := c.reloadWith(nil, true)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(res.Removed, "worker1") || slices.Contains(apply.removed, "worker1") {
		t.Fatalf("worker1 removed at once (%+v): taken for a rename to worker2, which was there already", res)
	}
	if _, held := c.absentSince["worker1"]; !held {
		t.Fatalf("worker1's absence not held for confirmation: %+v", res)
	}
}

// A service removed while a reload re-creates it (the old process gone,
// the new definition's log sink being opened) is not started only to be
// stopped at once: the new definition never runs. Its process was started
// as the creation ended, then stopped by the removal that waited for it.
func TestRemovalWhileReplacementIsCreatedStartsNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, open := replacementBeingCreated(t)
		h.sys.Root.Send(h.services, &applyConfig{removed: []string{svcName}})
		synctest.Wait()
		open()
		synctest.Wait()
		select {
		case p := <-h.procs.started:
			t.Fatalf("start #%d of a service removed before it was created", p.n)
		default:
		}
		r := h.ask(func(r replyTo) any { return &statusQuery{name: svcName, reply: r} })
		if r.err == nil {
			t.Fatalf("status after the removal: %+v, want unknown", r.status)
		}
	})
}
