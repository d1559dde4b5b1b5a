package actors

import (
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/supers-dev/supers/actors/policy"
	"github.com/supers-dev/supers/actors/process"
	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/notify"
	"github.com/supers-dev/supers/transport"
)

// errShuttingDown is returned for commands that arrive while superd stops:
// errShutdown, which matches ErrNotRunning and transport.ErrUnavailable (a
// 503 over the API), as the Supervisor's own refusals do.
var errShuttingDown = errShutdown

// servicesActor is the services supervisor: the parent of every service
// actor and the front door for commands and queries about services.
//
// It keeps a status cache fed by the children's statusChanged notices, so it
// answers status and list itself, whatever the children are doing. Commands
// are forwarded to the child that owns the service.
type servicesActor struct {
	self   *actor.PID
	config *actor.PID // the config actor; nil without a config dir
	root   *actor.RootContext
	rnd    func() float64
	deps   *serviceDeps
	logs   *actor.PID // log sink actor
	log    *slog.Logger
	now    func() time.Time
	// entries are changed through setEntry and deleteEntry only, which
	// keep sorted.
	entries map[string]*serviceEntry
	// sorted holds the entries sorted by name, for list; nil after a
	// change of entries.
	sorted []*serviceEntry
	// created holds the services created in this run, until removed:
	// created again (after a replacement that could not be), one follows
	// the operator's stops and starts made since (deps.intents), not
	// deps.opStopped and deps.opStarted.
	created map[string]bool

	// pending addServices requests waiting for their sinks
	pending []*pendingAdd

	// closing: superd is shutting down (shutdownBegun or stopAll came):
	// nothing is created, started or restarted any more.
	closing bool
	// stopAll (and killAll) waiters, answered when no service is running
	// any more and each has handled the stop sent to it (checkDrained)
	drained []chan<- struct{}
}

// serviceEntry is the supervisor's view of one service: the child actor,
// the last status it reported, and the restart policy state the supervisor
// owns (backoff streak, start-limit window, pending restart timer).
type serviceEntry struct {
	pid    *actor.PID
	spec   *config.Service
	status transport.ServiceStatus

	policy policy.State
	// overlay is a supervision state that hides the child's own state:
	// StateBackoff (the child is suspended, waiting for its restart timer)
	// or StateFatal (the start limit was hit). Empty otherwise.
	overlay string
	reason  string    // why fatal
	nextAt  time.Time // next automatic attempt (backoff, or fatal with a cooldown)
	timer   *time.Timer
	epoch   uint64 // bumped whenever a pending timer is cancelled

	// Generations: a child's failure (a system message) can overtake the
	// statusChanged notices it sent before failing, so starts are counted
	// and overlays cleared by generation, not by arrival order.
	counted   uint64 // last generation counted as a start attempt
	failedGen uint64 // generation of the last failure handled
	statusGen uint64 // generation of the last status observed
	// failedExit is how the process of the last failure handled ended
	// (nil for one that could not start), shown while the child's notice
	// of that exit has not come (see overlaid).
	failedExit *transport.ExitInfo

	// A reload removes (or replaces) the service: once its process is
	// gone the actor is stopped, then replacement, if any, is created.
	removing    bool
	actorStop   bool // the actor's Stop was sent
	replacement *config.Service
	wasRunning  bool
	queued      []command // commands for the replacement
	// opStop: the last command routed to the service was the operator's
	// stop (a start or restart clears it). A reload that replaces the
	// service while that stop is under way must not start the new one.
	opStop bool
	// sent numbers the starts and restarts delivered to the child (their
	// seq): one it has not handled when it fails (exitError.Handled) waits
	// in its mailbox.
	sent uint64
	// signals are the signals delivered to the child that it may not have
	// answered yet (see answerSignals).
	signals []*signalService
	// ownStops counts superd's own stops (stopService without a reply)
	// delivered to the child that it has not said it handled (stopHandled).
	// A service with no process publishes its stop as it handles one: the
	// shutdown's drain waits for that, not only for no process to be left.
	ownStops int

	// placeholder marks the entry of a service being re-created by a
	// reload: no actor yet, but status and list still show it.
	placeholder bool
}

// pendingAdd is one addServices request: it is answered once every service
// it names has either failed to be created or sent its first statusChanged
// (its autostart, if any, has been attempted).
type pendingAdd struct {
	waiting map[string]*config.Service // the specs not created yet, by name
	errs    []error
	failed  map[string]error // the names that could not be created
	done    chan<- error
	settled settledFunc // see addServices.settled
	then    []command
	want    map[string]bool // see addServices.wantRunning
}

func newServicesActor(deps *serviceDeps, logs *actor.PID) *servicesActor {
	return &servicesActor{
		deps:    deps,
		logs:    logs,
		log:     deps.logger,
		now:     deps.now,
		rnd:     deps.rand,
		entries: make(map[string]*serviceEntry),
		created: make(map[string]bool),
	}
}

// Receive implements actor.Actor.
func (s *servicesActor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		s.self, s.root = ctx.Self(), ctx.ActorSystem().Root
		if s.deps.configDir != "" && ctx.Parent() != nil {
			s.config = ctx.ActorSystem().NewLocalPID(ctx.Parent().GetId() + "/config")
		}
	case *applyConfig:
		s.handleApply(ctx, m)
	case *routeAgain:
		s.routeHops(ctx, m.cmd, m.hops+1)
	case *addServices:
		s.handleAdd(ctx, m)
	case *sinkOpened:
		s.handleSinkOpened(ctx, m)
		// A creation refused during a shutdown removes its placeholder.
		s.checkDrained()
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
		e, ok := s.entries[m.status.Name]
		if !ok || e.placeholder || !e.pid.Equal(m.from) {
			// From an actor that is gone: a removed or replaced service's
			// last word, overtaken by its Terminated (a system message).
			// It is not about the entry, or the pending add, that has the
			// name now.
			return
		}
		s.observe(e, m)
		s.retireIfDone(ctx, e)
		s.settled(ctx, m.status.Name, nil)
		s.checkDrained()
	case *stopHandled:
		if e := s.byPID(m.from); e != nil && e.ownStops > 0 {
			e.ownStops--
			s.checkDrained()
		}
	case *restartDue:
		s.handleRestartDue(ctx, m)
	case *shutdownBegun:
		// Nothing is created or started from now on: stopAll comes once
		// Run has closed its listeners, and a re-creation whose sink
		// opened in between would start a process only to stop it.
		s.closing = true
	case *stopAll:
		s.closing = true // also without shutdownBegun before it
		s.drained = append(s.drained, m.done)
		for _, e := range s.entries {
			if !e.placeholder {
				s.deliver(ctx, e, &stopService{name: e.spec.Name})
			}
		}
		s.checkDrained()
	case *killAll:
		s.drained = append(s.drained, m.done)
		for _, e := range s.entries {
			if !e.placeholder {
				ctx.Send(e.pid, &killNow{})
			}
		}
		s.checkDrained()
	case *stopBoundQuery:
		m.reply <- s.stopBound()
	case *actor.Stopping:
		for _, e := range s.entries {
			s.cancelTimer(e)
		}
	case *actor.Terminated:
		// A service actor went away (removed by a reload, or superd is
		// stopping).
		for name, e := range s.entries {
			if !e.placeholder && e.pid.Equal(m.Who) {
				s.cancelTimer(e)
				s.answerSignals(e, policy.Decision{}) // it went before taking them
				s.deleteEntry(name)
				ctx.Send(s.logs, &closeSink{name: name})
				if e.replacement != nil && !s.closing {
					state := StateStopped
					if e.wasRunning {
						state = StateStarting
					}
					s.setEntry(name, &serviceEntry{placeholder: true, spec: e.replacement, status: transport.ServiceStatus{
						Name: name, State: state, Description: e.replacement.Description,
						Restarts: e.status.Restarts, LastExit: e.status.LastExit,
					}})
					s.handleAdd(ctx, &addServices{
						specs:       []*config.Service{e.replacement},
						wantRunning: map[string]bool{name: e.wasRunning},
						then:        e.queued,
					})
				} else {
					why := unknownService(name) // removed meanwhile
					if s.closing {
						why = errShuttingDown // the replacement will not come
					}
					for _, q := range e.queued {
						if stop, ok := q.(*stopService); ok {
							// Removed, or stopped by the shutdown: what
							// it asked for is done.
							st := e.status
							st.State, st.PID = StateStopped, 0
							stop.reply.send(st, nil)
							continue
						}
						q.fail(why)
					}
					if e.removing && e.replacement == nil {
						// Removed (a replacement cut short by the
						// shutdown keeps the operator's stop).
						s.forgetOperatorIntent(ctx, name)
					}
				}
			}
		}
		s.checkDrained()
	}
}

// forgetOperatorIntent clears the operator's stop, or start, of a service
// that was removed: a service defined later under the same name (a file
// renamed back, say) is a new one, which starts if AutoStart=, now and
// when superd restarts.
func (s *servicesActor) forgetOperatorIntent(ctx actor.Context, name string) {
	delete(s.created, name)
	if s.deps.state != nil {
		ctx.Send(s.deps.state, &operatorIntent{service: name, stopped: false})
		ctx.Send(s.deps.state, &startedIntent{service: name, started: false})
	}
	if s.deps.opStopped[name] || s.deps.opStarted[name] {
		// deps is shared with the running service actors: copy on write.
		d := *s.deps
		d.opStopped, d.opStarted = maps.Clone(d.opStopped), maps.Clone(d.opStarted)
		delete(d.opStopped, name)
		delete(d.opStarted, name)
		s.deps = &d
	}
}

// endedForGood tells the state actor that the process of service name
// ended and that nothing restarts it (the restart policy says no, or gives
// up without a cooldown): a service with AutoStart=no that the operator
// started is no longer wanted running, so that a one-shot job that
// finished does not run again when superd restarts. It stays in
// deps.opStarted, which only decides whether a service not created yet in
// this run starts when it is (a reload re-creates a changed one as it was,
// forgets a removed one, and one created again after a failed
// replacement follows deps.intents).
func (s *servicesActor) endedForGood(name string) {
	if s.deps.state != nil {
		s.root.Send(s.deps.state, &startedIntent{service: name, started: false})
	}
}

// HandleFailure implements actor.SupervisorStrategy: the services
// supervisor decides what happens to a failing service actor. It runs on the
// supervisor's own goroutine.
//
// An *exitError (the process ended unasked, or could not be executed) goes
// through the service's restart policy: restart now (protoactor's restart
// path: a new incarnation starts a new process), restart after a backoff
// delay (the child stays suspended; this actor answers for it and a stop
// cancels the timer), leave it exited, or give up (fatal). A service being
// stopped for good (superd shuts down, or a reload removes it) is never
// restarted. An *actorBug (a bug in the service actor, which killed its
// process) goes through the policy too: see actorFailed. Any other reason
// (a child that is not a service's any more) is restarted, which kills any
// process it owned.
func (s *servicesActor) HandleFailure(sys *actor.ActorSystem, sup actor.Supervisor, child *actor.PID, _ *actor.RestartStatistics, reason, _ any) {
	e := s.byPID(child)
	if b, isBug := reason.(*actorBug); isBug && e != nil {
		s.actorFailed(sup, child, e, b)
		if e.actorStop {
			// Told to retire while busy: its failure came instead of its
			// end, and the resumed actor must hear it again (see
			// retireWhenIdle).
			sys.Root.Send(child, &retire{})
		}
		return
	}
	ee, ok := reason.(*exitError)
	if e == nil || !ok {
		s.log.Error("service actor failed, restarting it", "actor", child.GetId(), "reason", reason)
		if ok {
			ee.answer(nil, s.now())
		}
		sup.RestartChildren(child)
		return
	}
	// Whatever is decided below, the starts that failed are answered with
	// it (the state, the next attempt), as a status asked for next shows.
	defer ee.answer(s, s.now())
	now := s.now()
	o := policy.Outcome{Code: ee.Exit.Code, Signal: ee.Exit.Signal, CoreDumped: ee.Exit.CoreDumped, ExecFailed: ee.ExecErr != nil}
	var errno string
	if o.ExecFailed {
		// superd (or the system) ran out of descriptors, processes or
		// memory: not the service's failure, retried until it starts.
		errno, o.Resources = process.ResourceShortage(ee.ExecErr)
	}
	// The attempt that failed counts against the start limit, even if its
	// running notice has not arrived yet (or never will: exec failure);
	// but not one that failed for lack of a resource.
	if !o.Resources {
		s.countStart(e, ee.Gen)
	}
	e.failedGen = ee.Gen
	e.failedExit = nil
	if ee.ExecErr == nil {
		e.failedExit = exitInfo(ee.Exit, false)
	}
	if s.closing || e.removing || e.opStop {
		// Being stopped for good (shutdown, removal by a reload), or the
		// operator's stop was routed to it (it crashed while that stop
		// was on its way, so the stop waits in its mailbox): resumed, the
		// child answers it; a restart would start a process only to stop
		// it, once the backoff is over.
		s.log.Info("not restarting: the service is being stopped", "service", e.spec.Name, "status", outcomeString(ee))
		sup.ResumeChildren(child)
		if e.actorStop {
			// Told to retire while it had a crash to clean up after:
			// its failure came instead of its end (see retireWhenIdle).
			sys.Root.Send(child, &retire{})
		}
		return
	}
	d := e.policy.Failure(e.spec.Restart, o, ee.RanFor, now, s.rnd)
	log := s.log.With("service", e.spec.Name, "status", outcomeString(ee), "attempt", d.Attempt)
	// A start or restart that reached the child while it failed waits in
	// the mailbox this failure suspended: restarted now, rather than after
	// the backoff (which would hold its answer as long), the new
	// incarnation carries it out before its own start (see Started). A
	// restart, not a resume: the automatic restart it stands for counts,
	// as the event published says.
	asked := d.Restart && d.Delay > 0 && e.sent > ee.Handled
	if asked {
		d.Delay = 0
	}
	s.publishDecision(e.spec.Name, d, outcomeString(ee))
	s.answerSignals(e, d)
	switch {
	case d.GiveUp:
		e.overlay, e.reason = StateFatal, d.Reason
		if ee.ExecErr == nil {
			// How the last process ended, as the status's error of an
			// exec failure says why it failed (the table shows the error,
			// not the last exit).
			e.reason += "; last failure: " + ee.Exit.String()
		}
		if d.Retry > 0 {
			s.arm(e, d.Retry)
		}
		if d.Retry > 0 {
			// Tried again after the cooldown: still wanted running.
			log.Error("giving up restarting", "reason", d.Reason, "retry_in", d.Retry)
		} else {
			// No RestartCooldownSec=: only an operator's start brings it back.
			log.Error("giving up restarting; start it by hand", "reason", d.Reason)
			s.endedForGood(e.spec.Name)
		}
		sup.ResumeChildren(child)
	case !d.Restart:
		log.Info("not restarting", "reason", d.Reason)
		s.endedForGood(e.spec.Name)
		sup.ResumeChildren(child)
	case asked:
		log.Info("restarting now, without the backoff: a start or restart asked for is waiting", "reason", d.Reason)
		s.restart(sup, e)
	case o.Resources:
		log.Warn("start failed for lack of a resource; retrying (not counted against the start limit)",
			"errno", errno, "delay", d.Delay.Round(time.Millisecond))
		s.restartAfter(sup, e, d.Delay)
	default:
		log.Info("restarting", "delay", d.Delay.Round(time.Millisecond), "reason", d.Reason)
		s.restartAfter(sup, e, d.Delay)
	}
}

// actorFailed handles the failure of e's child b, a bug in its own code
// (its process is killed already, and the child says so). The service did
// not end: superd's failure ended it. If it was wanted running, and is not
// being stopped, it is restarted whatever Restart= says, but as a crash
// is: after the backoff of its streak, the attempt counted against the
// start limit, which gives up (fatal, the child resumed with no process,
// as after an exit). Restarted at once, a bug that recurs at each start
// (or in the new incarnation's own start) would restart and fork in a
// tight loop. A service that was not running (it had ended: a bug must
// not start it again), or is being stopped, is resumed with no process:
// the stop waiting in its mailbox, if any, is answered.
func (s *servicesActor) actorFailed(sup actor.Supervisor, child *actor.PID, e *serviceEntry, b *actorBug) {
	now := s.now()
	log := s.log.With("service", e.spec.Name)
	attrs := []any{"err", b.Error(), "stack", string(b.Stack)}
	if b.PID != 0 {
		attrs = append(attrs, "killed_pid", b.PID)
	}
	if !b.Running || s.closing || e.removing || e.opStop {
		log.Error("service actor failed (a bug in superd); not restarting: the service is not running, or being stopped", attrs...)
		e.failedGen = max(e.failedGen, b.Gen)
		s.answerSignals(e, policy.Decision{})
		sup.ResumeChildren(child)
		return
	}
	// The start of the run that ended counts, once (its running notice
	// may not have come); a failure with no start since the last one (the
	// new incarnation failed again before it started a process) counts as
	// the start attempt it stands for: the start limit is reached however
	// early the bug strikes.
	switch {
	case b.Gen > e.counted:
		s.countStart(e, b.Gen)
	case b.Gen <= e.failedGen:
		e.policy.RecordStart(e.spec.Restart, now)
	}
	e.failedGen = max(e.failedGen, b.Gen)
	d := e.policy.Failure(e.spec.Restart, policy.InternalFailure(), b.RanFor, now, s.rnd)
	what := oneLine(b.Error())
	if s.deps.events != nil {
		ev := notify.NewEvent(notify.TypeRestart, e.spec.Name)
		if d.GiveUp {
			ev = notify.NewEvent(notify.TypeFatal, e.spec.Name)
			ev.Reason = d.Reason + "; last failure: " + what
		} else {
			ev.Attempt, ev.DelayMS, ev.Reason = d.Attempt, d.Delay.Milliseconds(), what
		}
		s.root.Send(s.deps.events, &eventPublished{event: ev})
	}
	s.answerSignals(e, d)
	attrs = append(attrs, "attempt", d.Attempt)
	if d.GiveUp {
		e.overlay, e.reason = StateFatal, d.Reason+"; last failure: "+what
		if d.Retry > 0 {
			s.arm(e, d.Retry)
			log.Error("service actor failed (a bug in superd); giving up restarting", append(attrs, "reason", d.Reason, "retry_in", d.Retry)...)
		} else {
			log.Error("service actor failed (a bug in superd); giving up restarting; start it by hand", append(attrs, "reason", d.Reason)...)
			s.endedForGood(e.spec.Name)
		}
		sup.ResumeChildren(child)
		return
	}
	log.Error("service actor failed (a bug in superd); restarting it", append(attrs, "delay", d.Delay.Round(time.Millisecond))...)
	s.restartAfter(sup, e, d.Delay)
}

// forwardSignal sends sig to the child of e, which is being removed or
// replaced and still has a process stopping. Should the child go before
// it takes it (protoactor drops the user messages of a stopped actor), the
// Terminated case answers it (see answerSignals).
func (s *servicesActor) forwardSignal(ctx actor.Context, e *serviceEntry, sig *signalService) {
	e.signals = append(slices.DeleteFunc(e.signals, func(m *signalService) bool { return m.answered.Load() }), sig)
	ctx.Send(e.pid, sig)
}

// answerSignals answers the signals delivered to e's child that it has not
// taken yet, now that its process failed as decided by d: they were meant
// for that process, and wait in the mailbox the failure suspended, where
// they would be answered only once the backoff ends; and the child skips
// them (see signalService.claim), so that none reaches the next process.
func (s *servicesActor) answerSignals(e *serviceEntry, d policy.Decision) {
	what := "not restarting"
	switch {
	case d.GiveUp:
		what = "gave up restarting: " + d.Reason
	case d.Restart && d.Delay > 0:
		what = "restarting in " + d.Delay.Round(time.Millisecond).String()
	case d.Restart:
		what = "restarting now"
	}
	for _, m := range e.signals {
		if m.claim() {
			m.reply.send(transport.ServiceStatus{}, fmt.Errorf("%w: service %s is not running: its process ended before the signal was sent (%s)", transport.ErrConflict, e.spec.Name, what))
		}
	}
	e.signals = nil
}

// restartAfter restarts e's child after delay: at once, or once its
// backoff timer fires (the child stays suspended meanwhile).
func (s *servicesActor) restartAfter(sup actor.Supervisor, e *serviceEntry, delay time.Duration) {
	if delay <= 0 {
		s.restart(sup, e)
		return
	}
	e.overlay = StateBackoff
	s.arm(e, delay)
}

// publishDecision publishes a restart or fatal event for a decision on a
// failure, last (outcomeString): a fatal's reason ends with it, as the
// status's error does.
func (s *servicesActor) publishDecision(name string, d policy.Decision, last string) {
	if s.deps.events == nil || (!d.Restart && !d.GiveUp) {
		return
	}
	var ev notify.Event
	if d.GiveUp {
		ev = notify.NewEvent(notify.TypeFatal, name)
		ev.Reason = d.Reason + "; last failure: " + last
		if d.Retry > 0 {
			// Not given up for good: a receiver paging on fatal must
			// tell this one from the last.
			ev.Reason += fmt.Sprintf("; tried again in %v (RestartCooldownSec=)", d.Retry)
			ev.DelayMS = d.Retry.Milliseconds()
		}
	} else {
		ev = notify.NewEvent(notify.TypeRestart, name)
		ev.Attempt, ev.DelayMS = d.Attempt, d.Delay.Milliseconds()
	}
	s.root.Send(s.deps.events, &eventPublished{event: ev})
}

// arm schedules a restartDue for e after d.
func (s *servicesActor) arm(e *serviceEntry, d time.Duration) {
	s.cancelTimer(e)
	e.nextAt = s.now().Add(d)
	msg, self, root := &restartDue{name: e.spec.Name, epoch: e.epoch}, s.self, s.root
	e.timer = time.AfterFunc(d, func() { root.Send(self, msg) })
}

// cancelTimer cancels e's pending restart, if any; a timer that already
// fired is made stale by the epoch.
func (s *servicesActor) cancelTimer(e *serviceEntry) {
	if e.timer != nil {
		e.timer.Stop()
		e.timer = nil
	}
	e.epoch++
	e.nextAt = time.Time{}
}

func (s *servicesActor) handleRestartDue(ctx actor.Context, m *restartDue) {
	e, ok := s.entries[m.name]
	if !ok || m.epoch != e.epoch || s.closing {
		return // stale: stopped, started by hand, or superseded
	}
	e.timer = nil
	if e.overlay == StateFatal {
		// The cooldown is over: try again from scratch.
		e.policy.Reset()
		s.log.Info("cooldown over, trying again", "service", e.spec.Name)
	}
	s.restart(ctx.(actor.Supervisor), e)
}

// restart restarts the child through protoactor's restart path.
func (s *servicesActor) restart(sup actor.Supervisor, e *serviceEntry) {
	s.cancelTimer(e)
	e.overlay, e.reason = "", ""
	e.status.State = StateStarting
	sup.RestartChildren(e.pid)
}

// observe records a status reported by a child. A running notice of a
// generation newer than the last failure ends a backoff or fatal overlay.
func (s *servicesActor) observe(e *serviceEntry, m *statusChanged) {
	if m.status.State == StateRunning {
		if e.overlay == StateFatal && m.gen > e.failedGen {
			// Started again after it gave up: by hand (a start that
			// reached it while it failed, so route did not reset the
			// policy) or after the cooldown (already reset). Either way
			// from scratch, as a start of a fatal service is.
			e.policy.Reset()
		}
		s.countStart(e, m.gen)
		if e.overlay != "" && m.gen > e.failedGen {
			s.cancelTimer(e)
			e.overlay, e.reason = "", ""
		}
	}
	e.status, e.statusGen = m.status, m.gen
}

// failurePending reports whether e's child has reported that its process
// ended (exited) or could not be started (exec-failed), and the failure it
// sent with that has not reached HandleFailure yet (a system message, it
// can come second): what follows is not decided, and the end is not
// final, as exited would say. Meanwhile the service shows as stopping,
// with no PID, as while a crashed process's group is killed before the
// restart.
func failurePending(e *serviceEntry) bool {
	return (e.status.State == StateExited || e.status.State == StateExecFailed) && e.statusGen > e.failedGen
}

// countStart records generation gen as a start attempt, once.
func (s *servicesActor) countStart(e *serviceEntry, gen uint64) {
	if gen > e.counted {
		e.counted = gen
		e.policy.RecordStart(e.spec.Restart, s.now())
	}
}

// byPID returns the entry of the service actor pid, nil if none. A service
// actor is spawned under this actor named after its service, so its ID is
// "<this actor's ID>/<name>", and service names contain no "/".
func (s *servicesActor) byPID(pid *actor.PID) *serviceEntry {
	id := pid.GetId()
	e := s.entries[id[strings.LastIndexByte(id, '/')+1:]]
	if e == nil || e.placeholder || !e.pid.Equal(pid) {
		return nil
	}
	return e
}

// answer sends the answers held back for ee, once s (nil: no decision to
// show) has decided what follows the failure: each with its status as s
// shows it at now (backoff and the next attempt, fatal, or starting when
// the restart is at once).
func (ee *exitError) answer(s *servicesActor, now time.Time) {
	for _, h := range ee.Held {
		st := h.status
		if s != nil {
			if e := s.entries[ee.Service]; e != nil && !e.placeholder {
				if e.overlay == "" && e.status.State == StateStarting {
					st.State = StateStarting
				}
				st = s.overlaid(e, st, now)
			}
		}
		h.reply.send(st, h.err)
	}
}

func outcomeString(e *exitError) string {
	if e.ExecErr != nil {
		return "exec failed: " + e.ExecErr.Error()
	}
	return e.Exit.String()
}

func (s *servicesActor) route(ctx actor.Context, m command) { s.routeHops(ctx, m, 0) }

func (s *servicesActor) routeHops(ctx actor.Context, m command, hops int) {
	if r, ok := m.(*reapply); ok {
		apply := &applyConfig{removed: []string{r.name}}
		if r.spec != nil {
			apply = &applyConfig{changed: []*config.Service{r.spec}}
		}
		s.handleApply(ctx, apply)
		return
	}
	if p := s.pendingFor(m.service()); p != nil {
		if sig, ok := m.(*signalService); ok {
			// Being created (re-created by a reload, loaded on demand):
			// meant for a process that ran then, or for none. Queued
			// until the creation ends, it would hit the new process as
			// it starts, before it has set its handlers: refused now,
			// as during the old process's stop.
			sig.fail(fmt.Errorf("%w: service %s is being created, with no process; no signal sent", transport.ErrConflict, sig.name))
			return
		}
		if p.want != nil {
			switch m.(type) {
			case *stopService, *startService, *restartService:
				// A replacement being created: the command decides
				// whether it runs, as for one queued while the old
				// service stopped.
				p.want[m.service()] = false
			}
		}
		p.then = append(p.then, m) // being created: route it once it is
		return
	}
	e, ok := s.entries[m.service()]
	if ok && e.removing {
		if e.replacement == nil {
			if sig, isSignal := m.(*signalService); isSignal && !e.placeholder && (e.status.PID != 0 || e.status.State == StateStopping) {
				// Its process is still stopping (a retired actor goes only
				// once it has none): a signal reaches it, the only way to
				// end a stop under TimeoutStopSec=infinity.
				s.forwardSignal(ctx, e, sig)
				return
			}
			if _, isStop := m.(*stopService); isStop {
				// Being stopped already: answered once it is, as a stop
				// of a service that is stopping is (see the Terminated
				// case), so that "stop X" after X's file went does what
				// it says, however late the removal's stop ends.
				e.queued = append(e.queued, m)
				return
			}
			if loadsOnDemand(m) {
				// Its file put back meanwhile: a reload replaces it once
				// it has stopped, as this start cannot.
				m.fail(fmt.Errorf("%w: service %s is being removed (it is still stopping): start it again once it has stopped (if its file is back, supers reload defines it again then, and starts it if AutoStart= says so)", transport.ErrConflict, m.service()))
				return
			}
			m.fail(fmt.Errorf("%w: service %s is being removed", transport.ErrConflict, m.service()))
			return
		}
		switch m.(type) {
		case *signalService:
			// Meant for the process that runs now: held for the new
			// one, it would hit it as it starts, before it has set its
			// handlers.
			if e.placeholder || (e.status.PID == 0 && e.status.State != StateStopping) {
				m.fail(fmt.Errorf("%w: service %s is being replaced; no signal sent", transport.ErrConflict, m.service()))
			} else {
				s.forwardSignal(ctx, e, m.(*signalService)) // still stopping: the old process gets it
			}
			return
		case *stopService, *startService, *restartService:
			// The queued command decides whether the new definition
			// runs: it is created stopped, not started only to be
			// stopped (or started twice, by a restart).
			e.wasRunning = false
		}
		e.queued = append(e.queued, m) // being replaced: for the new one
		return
	}
	if sig, isSignal := m.(*signalService); isSignal && ok && !e.placeholder && e.overlay != "" {
		// Waiting for a restart, or given up: there is no process, and a
		// signal must not cancel the pending restart as commands do.
		sig.fail(fmt.Errorf("%w: service %s is not running (%s)", transport.ErrConflict, m.service(), e.overlay))
		return
	}
	if !ok || e.placeholder {
		if s.closing {
			m.fail(errShuttingDown) // nothing is created any more
			return
		}
		if !loadsOnDemand(m) || s.config == nil {
			m.fail(unknownService(m.service()))
			return
		}
		ctx.Send(s.config, &unknownCommand{cmd: m, hops: hops})
		return
	}
	if s.closing {
		if _, isStop := m.(*stopService); !isStop {
			m.fail(errShuttingDown)
			return
		}
	}
	if loadsOnDemand(m) && !keepsPolicy(e, m) {
		// A restart by hand, or a start of a stopped or given-up
		// service, clears fatal, the streak and the start-limit window.
		e.policy.Reset()
	}
	switch m.(type) {
	case *stopService:
		e.opStop = true
	case *startService, *restartService:
		e.opStop = false
	}
	s.deliver(ctx, e, m)
}

// loadsOnDemand reports whether m, for a service superd does not know,
// loads NAME.service first (start and restart), and clears the restart
// policy's state for a known one.
func loadsOnDemand(m command) bool {
	switch m.(type) {
	case *startService, *restartService:
		return true
	}
	return false
}

// keepsPolicy reports whether m is a start that must not clear the restart
// policy's state: of a service that is running or being started (a
// no-op), stopping but not by the operator's stop (a crashed process
// whose failure has not reached HandleFailure yet: see failurePending),
// or waiting in backoff (started at once, but as the restart it
// stands for: the streak and the start limit go on). Else starting a
// crash-looping service again and again (a script making sure it runs,
// which mostly finds it in backoff) would defeat its backoff and its
// start limit, as supervisord (which refuses it) and systemd (whose start
// limit counts it) do not let it.
func keepsPolicy(e *serviceEntry, m command) bool {
	if _, ok := m.(*startService); !ok {
		return false
	}
	if e.overlay != "" {
		return e.overlay == StateBackoff
	}
	switch {
	case e.status.State == StateRunning || e.status.State == StateStarting:
		return true
	case e.status.State == StateStopping || failurePending(e):
		// Unless the operator's stop is under way (a start after it
		// starts over, as once it is done): a crashed process whose
		// failure is not decided yet (the rest of its group being
		// killed, or its failure on its way), or a restart's stop,
		// which cleared the policy already.
		return !e.opStop
	}
	return false
}

// deliver hands a command to the child. A pending automatic restart is
// cancelled first (the command supersedes it) and a child suspended in
// backoff is resumed so that it can answer.
func (s *servicesActor) deliver(ctx actor.Context, e *serviceEntry, m any) {
	switch c := m.(type) {
	case *startService:
		e.sent++
		c.seq = e.sent
	case *restartService:
		e.sent++
		c.seq = e.sent
	case *signalService:
		e.signals = append(slices.DeleteFunc(e.signals, func(m *signalService) bool { return m.answered.Load() }), c)
	case *stopService:
		if c.reply == nil {
			e.ownStops++ // the child says when it has handled it
		}
	}
	if e.overlay != "" {
		switch c := m.(type) {
		case *startService:
			c.was = e.overlay
		case *stopService:
			c.was = e.overlay
		case *restartService:
			c.was = e.overlay
		}
		suspended := e.overlay == StateBackoff
		s.cancelTimer(e)
		e.overlay, e.reason = "", ""
		if suspended {
			ctx.(actor.Supervisor).ResumeChildren(e.pid)
		}
	}
	ctx.Send(e.pid, m)
}

// stopBoundQuery asks the services supervisor for the longest
// TimeoutStopSec of its services, infinite ones excepted (0 if none): how
// long a stop of all of them may take before SIGKILL.
type stopBoundQuery struct {
	reply chan<- time.Duration
}

// stopBound answers stopBoundQuery. A service being replaced by a reload
// counts with both its old and its new definition.
func (s *servicesActor) stopBound() time.Duration {
	var longest time.Duration
	for _, e := range s.entries {
		longest = longerStop(longest, e.spec)
		longest = longerStop(longest, e.replacement)
	}
	return longest
}

// longerStop returns the longer of longest and the TimeoutStopSec of sp,
// unless sp is nil or its TimeoutStopSec is infinite (never SIGKILL),
// which bounds nothing.
func longerStop(longest time.Duration, sp *config.Service) time.Duration {
	if sp != nil && sp.TimeoutStopSec > longest && sp.TimeoutStopSec < maxTimer {
		return sp.TimeoutStopSec
	}
	return longest
}

// shutdownBound is how long superd's shutdown waits for the services to
// stop: configured (Config.ShutdownTimeout) if set, else the longest finite
// TimeoutStopSec plus shutdownGrace.
func shutdownBound(configured, longest time.Duration) time.Duration {
	if configured > 0 {
		return configured
	}
	return longest + shutdownGrace
}

// stopHandled is sent by a service actor to its parent once it has
// handled a stopService without a reply (superd's own stop), after the
// events and the status notice of that stop.
type stopHandled struct {
	from *actor.PID
}

// checkDrained answers stopAll (and killAll) waiters once no service has a
// process and every service has handled the stops superd sent it. A
// service with no process (in backoff, fatal, exited) publishes its stop
// event only when it handles the stop: the shutdown, once answered, hands
// the events to the hub and ends the streams, so it must not be answered
// before that stop is published.
func (s *servicesActor) checkDrained() {
	if len(s.drained) == 0 {
		return
	}
	for _, e := range s.entries {
		if e.status.PID != 0 || e.status.State == StateStopping || e.status.State == StateStarting || e.ownStops > 0 {
			return
		}
	}
	for _, d := range s.drained {
		close(d)
	}
	s.drained = nil
}

func (s *servicesActor) snapshot(e *serviceEntry) transport.ServiceStatus {
	return s.snapshotAt(e, s.now())
}

// snapshotAt is snapshot with the time given, so that a list reads the
// clock once.
func (s *servicesActor) snapshotAt(e *serviceEntry, now time.Time) transport.ServiceStatus {
	return s.overlaid(e, e.status, now)
}

// overlaid returns st, a status of e's child, as the supervisor shows it at
// now: with e's overlay (backoff, fatal) and next attempt.
func (s *servicesActor) overlaid(e *serviceEntry, st transport.ServiceStatus, now time.Time) transport.ServiceStatus {
	setUptime(&st, now)
	if e.overlay == "" && failurePending(e) && st.State == e.status.State {
		st.State = StateStopping
	}
	if e.replacement != nil && e.wasRunning && st.State == StateStopped && !s.closing {
		// Its process is gone, and the new definition a reload gave it
		// is to run next: not stopped (a `supers reload && supers status
		// --all` must not see it down).
		st.State = StateStarting
	}
	if e.overlay != "" {
		if st.PID != 0 {
			// The failure (a system message) overtook the child's notice
			// that its process ended: the process shown is gone. Its
			// PID, which the system may reuse, must not be shown in
			// backoff or fatal, nor the run before as the last exit.
			st.PID, st.StartedAt, st.UptimeSeconds = 0, nil, 0
			if e.failedExit != nil {
				st.LastExit = e.failedExit
			}
		}
		st.State = e.overlay
		if e.overlay == StateFatal {
			// The reason it gave up, then why the last start failed, if
			// it did (an exit is in LastExit).
			st.Error = strings.TrimSuffix(e.reason+"; "+st.Error, "; ")
		}
	}
	if !e.nextAt.IsZero() {
		st.NextAttemptMS = max(e.nextAt.Sub(now).Milliseconds(), 0)
	}
	return st
}

// setUptime sets the uptime of st, at now, if it has a process.
func setUptime(st *transport.ServiceStatus, now time.Time) {
	if st.StartedAt != nil && st.PID != 0 {
		st.UptimeSeconds = now.Sub(*st.StartedAt).Seconds()
	}
}

func (s *servicesActor) list() []transport.ServiceStatus {
	if s.sorted == nil || len(s.sorted) != len(s.entries) {
		// The entries sorted, not the statuses: a swap moves a pointer,
		// not a status of some 200 bytes. Kept until they change.
		s.sorted = make([]*serviceEntry, 0, len(s.entries))
		for _, e := range s.entries {
			s.sorted = append(s.sorted, e)
		}
		slices.SortFunc(s.sorted, func(a, b *serviceEntry) int { return strings.Compare(a.status.Name, b.status.Name) })
	}
	out := make([]transport.ServiceStatus, len(s.sorted))
	now := s.now()
	for i, e := range s.sorted {
		out[i] = s.snapshotAt(e, now)
	}
	return out
}

// setEntry makes e the entry of service name.
func (s *servicesActor) setEntry(name string, e *serviceEntry) {
	s.entries[name] = e
	s.sorted = nil
}

// deleteEntry removes the entry of service name.
func (s *servicesActor) deleteEntry(name string) {
	delete(s.entries, name)
	s.sorted = nil
}

func unknownService(name string) error {
	return fmt.Errorf("%w %q", transport.ErrUnknownService, name)
}
