package actors

import (
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/supers-dev/supers/config"
)

// The services supervisor retires the actor of a service being replaced
// on a status that shows it stopped, which may be one that a command before
// the replacement's stop made (a stop of the stopped service): the actor
// then still had a start and stops to handle. Stopped at once, it left the
// commands waiting for a stop unanswered, and its cleanup SIGKILLed the
// process it had started, whatever its TimeoutStopSec. It now retires
// once the stop under way has ended, its commands answered.
func TestRetireWaitsForTheStopUnderWay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		discard := slog.New(slog.DiscardHandler)
		procs, sigs := newFakeStarter(nil), &signalLog{}
		deps := &serviceDeps{procs: procs, signal: sigs.signal, logger: discard, now: time.Now}
		spec := service(t, config.RestartNo, func(s *config.Service) { s.TimeoutStopSec = time.Minute })
		sys := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return discard }))
		gone := make(chan struct{}, 1)
		children := make(chan *actor.PID, 1)
		failures := make(chan any, 10)
		parent := sys.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
			switch ctx.Message().(type) {
			case *actor.Started:
				child := ctx.Spawn(actor.PropsFromProducer(func() actor.Actor {
					return newServiceActor(spec, devNullPipes{}, deps, &serviceRecord{})
				}))
				ctx.Watch(child)
				children <- child
			case *actor.Terminated:
				gone <- struct{}{}
			}
		}, actor.WithSupervisor(actor.NewOneForOneStrategy(0, 0, func(reason any) actor.Directive {
			failures <- reason
			return actor.StopDirective
		}))))
		t.Cleanup(func() { _ = sys.Root.StopFuture(parent).Wait() })
		child := <-children

		// As the supervisor delivers them, all at once: a stop of the
		// stopped service (whose status has the actor retired), a start,
		// an operator's stop, and the replacement's own stop, then retire.
		first, started, stopped := make(chan result, 1), make(chan result, 1), make(chan result, 1)
		sys.Root.Send(child, &stopService{name: svcName, reply: first})
		sys.Root.Send(child, &startService{name: svcName, reply: started})
		sys.Root.Send(child, &stopService{name: svcName, reply: stopped})
		sys.Root.Send(child, &stopService{name: svcName})
		sys.Root.Send(child, &retire{})
		p := <-procs.started
		synctest.Wait()
		select {
		case <-gone:
			t.Fatal("the actor retired while the stop of its process was under way")
		default:
		}
		if sent := sigs.to(p.pid); slices.Contains(sent, fmt.Sprintf("SIGKILL→%d", p.pid)) {
			t.Fatalf("signals %v: SIGKILL before the process had TimeoutStopSec to stop", sent)
		}
		p.exit(0) // the process ends on its KillSignal
		synctest.Wait()
		select {
		case reason := <-failures:
			t.Fatalf("the service actor failed: %v", reason)
		default:
		}
		for what, c := range map[string]chan result{"first stop": first, "start": started, "stop": stopped} {
			select {
			case r := <-c:
				if r.err != nil {
					t.Errorf("%s: %v", what, r.err)
				}
			default:
				t.Errorf("%s: no answer", what)
			}
		}
		select {
		case <-gone:
		default:
			t.Error("the actor did not retire once its process stopped")
		}
	})
}
