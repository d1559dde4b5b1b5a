package actors

import (
	"errors"
	"fmt"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/transport"
)

// This file holds how the services supervisor creates services (at start,
// on a reload, on demand) and retires them (on a reload).

func (s *servicesActor) handleAdd(ctx actor.Context, m *addServices) {
	p := &pendingAdd{waiting: make(map[string]*config.Service), done: m.done, then: m.then, want: m.wantRunning, settled: m.settled}
	for _, spec := range m.specs {
		if e, exists := s.entries[spec.Name]; (exists && !e.placeholder) || p.waiting[spec.Name] != nil || s.pendingFor(spec.Name) != nil {
			p.errs = append(p.errs, fmt.Errorf("%w: service %q is already defined", transport.ErrConflict, spec.Name))
			continue
		}
		p.waiting[spec.Name] = spec
		ctx.Request(s.logs, &openSink{spec: spec})
	}
	s.pending = append(s.pending, p)
	s.finishAdds(ctx)
}

// pendingFor returns the pending addServices creating name, if any.
func (s *servicesActor) pendingFor(name string) *pendingAdd {
	for _, p := range s.pending {
		if p.waiting[name] != nil {
			return p
		}
	}
	return nil
}

func (s *servicesActor) handleSinkOpened(ctx actor.Context, m *sinkOpened) {
	name := m.spec.Name
	p := s.pendingFor(name)
	switch {
	case m.err != nil:
		s.settled(ctx, name, fmt.Errorf("service %s not created: %w", name, m.err))
	case s.closing:
		ctx.Send(s.logs, &closeSink{name: name})
		s.settled(ctx, name, errShuttingDown)
	default:
		spec, sink, deps := m.spec, m.sink, s.deps
		stopped, started := deps.opStopped[name], deps.opStarted[name]
		if s.created[name] && deps.intents != nil {
			// Created before in this run: the operator may have stopped
			// or started it since superd started.
			stopped, started = deps.intents(name)
		}
		started = started && !spec.AutoStart
		want := spec.AutoStart && !stopped || started
		reloaded := false
		if p != nil {
			if w, ok := p.want[name]; ok {
				// Re-created by a reload: as it was; loaded on demand, or
				// removed before it was created: stopped.
				want, reloaded = w, true
			}
		}
		rec := &serviceRecord{wantRunning: want}
		if e, ok := s.entries[name]; ok && e.placeholder {
			// Re-created by a reload: the service's history goes on, as
			// its status showed it meanwhile.
			rec.restarts, rec.lastExit = e.status.Restarts, e.status.LastExit
		}
		when := "before superd restarted"
		switch {
		case s.created[name]:
			when = "before it was created again"
		case deps.earlyStopped[name]:
			when = "while superd was starting"
		}
		switch {
		case stopped && !want && spec.AutoStart:
			s.log.Info("not starting: stopped by the operator "+when, "service", name)
		case started && want && !reloaded:
			s.log.Info("starting (AutoStart=no): started by the operator "+when, "service", name)
		}
		props := actor.PropsFromProducer(func() actor.Actor { return newServiceActor(spec, sink, deps, rec) })
		pid, err := ctx.SpawnNamed(props, name)
		if err != nil {
			ctx.Send(s.logs, &closeSink{name: name})
			s.settled(ctx, name, fmt.Errorf("service %s not created: %w", name, err))
			return
		}
		state := StateStopped
		if want {
			// Its actor starts it next: not stopped meanwhile.
			state = StateStarting
		}
		s.setEntry(name, &serviceEntry{pid: pid, spec: spec, status: transport.ServiceStatus{
			Name: name, State: state, Description: spec.Description,
		}})
		s.created[name] = true
	}
}

// settled records that the creation of service name is over (err != nil:
// it failed) and answers the addServices requests that are complete.
func (s *servicesActor) settled(ctx actor.Context, name string, err error) {
	if p := s.pendingFor(name); p != nil {
		spec := p.waiting[name]
		delete(p.waiting, name)
		if err != nil {
			if err == errShuttingDown {
				p.errs = append(p.errs, err)
			} else {
				// Named, so that Run can tell each service's apart.
				p.errs = append(p.errs, &creationError{file: spec.File, name: name, err: err})
			}
			if p.failed == nil {
				p.failed = make(map[string]error)
			}
			p.failed[name] = err
			if e, ok := s.entries[name]; ok && e.placeholder {
				s.deleteEntry(name)
			}
			if s.config != nil && err != errShuttingDown {
				ctx.Send(s.config, &addFailed{spec: spec, err: err})
			}
		}
	}
	s.finishAdds(ctx)
}

// finishAdds answers the complete addServices requests and routes the
// commands that waited for them.
func (s *servicesActor) finishAdds(ctx actor.Context) {
	kept := s.pending[:0]
	var ready []*pendingAdd
	for _, p := range s.pending {
		if len(p.waiting) > 0 {
			kept = append(kept, p)
		} else {
			ready = append(ready, p)
		}
	}
	s.pending = kept
	for _, p := range ready {
		switch {
		case p.done != nil:
			p.done <- errors.Join(p.errs...)
		case p.settled != nil:
			s.reportSettled(ctx, p.settled, p.failed)
		case len(p.errs) > 0:
			// Created for a change or on demand, with nobody waiting for
			// this answer: the log is the only place to say it (the
			// commands that waited fail below; the next reload tries
			// again).
			for _, err := range p.errs {
				s.log.Error("service not created", "err", err)
			}
		}
		for _, cmd := range p.then {
			if err, ok := p.failed[cmd.service()]; ok && err != errShuttingDown {
				if _, isReapply := cmd.(*reapply); !isReapply {
					// Routed again, a start would load the file again
					// (the config actor has forgotten the name), fail
					// again, and so on for ever. Unknown, as to any other
					// command (a 404 and supers's exit 4, not a 500 as for
					// a bug of superd's): the file is among those that
					// could not be loaded, with this reason.
					cmd.fail(fmt.Errorf("%w %q (%s)", transport.ErrUnknownService, cmd.service(), oneLine(err.Error())))
					continue
				}
			}
			s.route(ctx, cmd)
		}
	}
}

// reportSettled sends then, with failed, back to the config actor.
func (s *servicesActor) reportSettled(ctx actor.Context, then settledFunc, failed map[string]error) {
	if s.config != nil {
		ctx.Send(s.config, &addsSettled{then: then, failed: failed})
	}
}

// handleApply applies the difference a reload found.
func (s *servicesActor) handleApply(ctx actor.Context, m *applyConfig) {
	if s.closing {
		if m.then != nil {
			failed := make(map[string]error, len(m.added))
			for _, spec := range m.added {
				failed[spec.Name] = errShuttingDown
			}
			s.reportSettled(ctx, m.then, failed)
		}
		return
	}
	// A name added again while its removal is under way (its service is
	// still being created, or still stopping) replaces the removed service
	// once it is gone, as a change does.
	var added, changed []*config.Service
	for _, spec := range m.added {
		if e, ok := s.entries[spec.Name]; s.pendingFor(spec.Name) != nil || ok && e.removing {
			changed = append(changed, spec)
		} else {
			added = append(added, spec)
		}
	}
	if len(added) > 0 {
		s.handleAdd(ctx, &addServices{specs: added, settled: m.then})
	} else if m.then != nil {
		s.reportSettled(ctx, m.then, nil)
	}
	for _, name := range m.removed {
		if p := s.pendingFor(name); p != nil {
			// Removed once created, and created stopped: started, its
			// process would be stopped at once.
			if p.want == nil {
				p.want = make(map[string]bool)
			}
			p.want[name] = false
			p.then = append(p.then, &reapply{name: name}) // once created
		} else if e, ok := s.entries[name]; ok {
			s.retire(ctx, e, nil)
		} else {
			// Never created in this run (its file did not load, or its
			// creation failed): what the state file records of it goes
			// all the same, or a service defined later under the name
			// would inherit it.
			s.forgetOperatorIntent(ctx, name)
		}
	}
	for _, spec := range append(changed, m.changed...) {
		if p := s.pendingFor(spec.Name); p != nil {
			p.then = append(p.then, &reapply{name: spec.Name, spec: spec})
			continue
		}
		e, ok := s.entries[spec.Name]
		if !ok {
			s.handleAdd(ctx, &addServices{specs: []*config.Service{spec}}) // nothing to replace
			continue
		}
		if e.removing && e.replacement == nil {
			// Removed, then defined anew: a new service, started if
			// AutoStart, whatever the removed one did, unless an
			// operator's stop came during the removal (queued): it
			// decides, as for a replacement.
			e.wasRunning = spec.AutoStart && len(e.queued) == 0
		}
		s.retire(ctx, e, spec)
	}
}

// reapply is a reload's change (spec) or removal (spec == nil) of a service
// that was still being created: it waits in the creation's queue like a
// command.
type reapply struct {
	name string
	spec *config.Service
}

func (r *reapply) service() string { return r.name }
func (r *reapply) fail(error)      {}

// retire stops e gracefully, then its actor; replacement, if not nil, is
// created in its place once the actor is gone, running if e was.
func (s *servicesActor) retire(ctx actor.Context, e *serviceEntry, replacement *config.Service) {
	if replacement == nil {
		// Removed: the operator's stop or start goes with the service
		// now, not once its process is gone, so that neither a superd
		// killed in between nor the same name defined again meanwhile
		// inherits it.
		s.forgetOperatorIntent(ctx, e.spec.Name)
	}
	if e.removing {
		e.replacement = replacement // a newer reload wins
		return
	}
	st := s.snapshot(e)
	e.removing, e.replacement = true, replacement
	switch st.State {
	case StateRunning, StateStarting, StateStopping, StateBackoff, StateFatal, StateExecFailed:
		// Wanted running, unless what is under way (or not yet seen in
		// the status) is the operator's stop.
		e.wasRunning = !e.opStop
	}
	// Retired (retireIfDone) on the status the child sends once it has
	// handled this stop, whatever its state now: retired at once, it would
	// send that status after it was gone, to be taken for its
	// replacement's.
	s.deliver(ctx, e, &stopService{name: e.spec.Name})
	if e.status.State == StateRunning {
		// Said at once, as the child will say it once it handles the
		// stop (restart does the same for a start): a status asked for
		// once the reload has returned must not show the old process
		// running as if nothing were under way.
		e.status.State = StateStopping
	}
}

// retireIfDone stops the actor of a service being removed once it has
// stopped: its process is gone and, if it had none (exited, in backoff,
// fatal), it has handled the stop, and published its stop event, rather
// than being stopped with the stop still in its mailbox.
func (s *servicesActor) retireIfDone(ctx actor.Context, e *serviceEntry) {
	if !e.removing {
		return
	}
	// Even once told to retire: the actor goes only when idle, and may
	// still report the start of a command delivered before the removal's
	// stop (see retireWhenIdle).
	switch e.status.State {
	case StateRunning, StateStarting, StateExecFailed:
		// A start or restart delivered before the replacement was decided,
		// and not yet reported then: the operator was told it runs, and
		// the new definition runs too (unless a stop was routed after it,
		// or a command queued for the replacement decides). Not for a
		// service removed and defined anew (created is forgotten with the
		// removal): that one starts as its AutoStart= says.
		if e.replacement != nil && !e.opStop && len(e.queued) == 0 && s.created[e.spec.Name] {
			e.wasRunning = true
		}
	}
	if e.actorStop || e.status.PID != 0 || e.status.State != StateStopped {
		return
	}
	e.actorStop = true
	ctx.Send(e.pid, &retire{}) // after what was sent before (see retire)
}
