package actors

import (
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/transport"
)

// errShuttingDown is returned for commands that arrive while superd stops.
var errShuttingDown = fmt.Errorf("%w: superd is shutting down", transport.ErrConflict)

// servicesActor is the services supervisor: the parent of every service
// actor and the front door for commands and queries about services.
//
// It keeps a status cache fed by the children's statusChanged notices, so it
// answers status and list itself, whatever the children are doing. Commands
// are forwarded to the child that owns the service.
type servicesActor struct {
	deps    *serviceDeps
	logs    *actor.PID // log sink actor
	log     *slog.Logger
	now     func() time.Time
	entries map[string]*serviceEntry

	// pending addServices requests waiting for their sinks
	pending []*pendingAdd

	closing bool
	// stopAll waiters, answered when no service is running any more
	drained []chan<- struct{}
}

type serviceEntry struct {
	pid    *actor.PID
	spec   *config.Service
	status transport.ServiceStatus
}

// pendingAdd is one addServices request: it is answered once every service
// it names has either failed to be created or sent its first statusChanged
// (its autostart, if any, has been attempted).
type pendingAdd struct {
	waiting map[string]bool
	errs    []error
	done    chan<- error
}

func newServicesActor(deps *serviceDeps, logs *actor.PID) *servicesActor {
	return &servicesActor{
		deps:    deps,
		logs:    logs,
		log:     deps.logger,
		now:     deps.now,
		entries: make(map[string]*serviceEntry),
	}
}

// Receive implements actor.Actor.
func (s *servicesActor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *addServices:
		s.handleAdd(ctx, m)
	case *sinkOpened:
		s.handleSinkOpened(ctx, m)
	case command:
		s.route(ctx, m)
	case *statusQuery:
		e, ok := s.entries[m.name]
		if !ok {
			m.reply.send(transport.ServiceStatus{}, unknownService(m.name))
			return
		}
		m.reply.send(s.snapshot(e), nil)
	case *listQuery:
		m.reply <- s.list()
	case *statusChanged:
		if e, ok := s.entries[m.status.Name]; ok {
			e.status = m.status
		}
		s.settled(m.status.Name, nil)
		s.checkDrained()
	case *stopAll:
		s.closing = true
		s.drained = append(s.drained, m.done)
		for _, e := range s.entries {
			ctx.Send(e.pid, &stopService{name: e.spec.Name})
		}
		s.checkDrained()
	case *actor.Terminated:
		// A service actor went away (superd is stopping).
		for name, e := range s.entries {
			if e.pid.Equal(m.Who) {
				delete(s.entries, name)
				ctx.Send(s.logs, &closeSink{name: name})
			}
		}
		s.checkDrained()
	}
}

// HandleFailure implements actor.SupervisorStrategy: the services supervisor
// decides what happens to a failing service actor. A failure here is a bug
// in the service actor (its process exits are handled as messages); the
// actor is restarted, which kills any process it owned (see cleanup) and
// leaves the new incarnation stopped until someone starts it.
func (s *servicesActor) HandleFailure(_ *actor.ActorSystem, sup actor.Supervisor, child *actor.PID, _ *actor.RestartStatistics, reason, message any) {
	s.log.Error("service actor failed, restarting it", "actor", child.GetId(), "reason", reason, "message", fmt.Sprintf("%T", message))
	sup.RestartChildren(child)
}

func (s *servicesActor) handleAdd(ctx actor.Context, m *addServices) {
	p := &pendingAdd{waiting: make(map[string]bool), done: m.done}
	for _, spec := range m.specs {
		if _, exists := s.entries[spec.Name]; exists || p.waiting[spec.Name] {
			p.errs = append(p.errs, fmt.Errorf("%w: service %q is already defined", transport.ErrConflict, spec.Name))
			continue
		}
		p.waiting[spec.Name] = true
		ctx.Request(s.logs, &openSink{spec: spec})
	}
	s.pending = append(s.pending, p)
	s.finishAdds()
}

func (s *servicesActor) handleSinkOpened(ctx actor.Context, m *sinkOpened) {
	name := m.spec.Name
	switch {
	case m.err != nil:
		s.settled(name, fmt.Errorf("service %s: %w", name, m.err))
	case s.closing:
		ctx.Send(s.logs, &closeSink{name: name})
		s.settled(name, errShuttingDown)
	default:
		spec, sink, deps := m.spec, m.sink, s.deps
		props := actor.PropsFromProducer(func() actor.Actor { return newServiceActor(spec, sink, deps) })
		pid, err := ctx.SpawnNamed(props, name)
		if err != nil {
			ctx.Send(s.logs, &closeSink{name: name})
			s.settled(name, fmt.Errorf("service %s: %w", name, err))
			return
		}
		s.entries[name] = &serviceEntry{pid: pid, spec: spec, status: transport.ServiceStatus{
			Name: name, State: StateStopped, Description: spec.Description,
		}}
	}
}

// settled records that the creation of service name is over (err != nil:
// it failed) and answers the addServices requests that are complete.
func (s *servicesActor) settled(name string, err error) {
	for _, p := range s.pending {
		if p.waiting[name] {
			delete(p.waiting, name)
			if err != nil {
				p.errs = append(p.errs, err)
			}
			break
		}
	}
	s.finishAdds()
}

func (s *servicesActor) finishAdds() {
	kept := s.pending[:0]
	for _, p := range s.pending {
		if len(p.waiting) > 0 {
			kept = append(kept, p)
			continue
		}
		if p.done != nil {
			p.done <- errors.Join(p.errs...)
		}
	}
	s.pending = kept
}

func (s *servicesActor) route(ctx actor.Context, m command) {
	e, ok := s.entries[m.service()]
	if !ok {
		m.fail(unknownService(m.service()))
		return
	}
	if s.closing {
		if _, isStop := m.(*stopService); !isStop {
			m.fail(errShuttingDown)
			return
		}
	}
	ctx.Send(e.pid, m)
}

// checkDrained answers stopAll waiters once no service has a process.
func (s *servicesActor) checkDrained() {
	if len(s.drained) == 0 {
		return
	}
	for _, e := range s.entries {
		if e.status.PID != 0 || e.status.State == StateStopping || e.status.State == StateStarting {
			return
		}
	}
	for _, d := range s.drained {
		close(d)
	}
	s.drained = nil
}

func (s *servicesActor) snapshot(e *serviceEntry) transport.ServiceStatus {
	st := e.status
	if st.StartedAt != nil && st.PID != 0 {
		st.UptimeSeconds = s.now().Sub(*st.StartedAt).Seconds()
	}
	return st
}

func (s *servicesActor) list() []transport.ServiceStatus {
	out := make([]transport.ServiceStatus, 0, len(s.entries))
	for _, e := range s.entries {
		out = append(out, s.snapshot(e))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func unknownService(name string) error {
	return fmt.Errorf("%w %q", transport.ErrUnknownService, name)
}
