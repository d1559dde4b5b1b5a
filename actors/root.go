package actors

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/fsnotify/fsnotify"

	"github.com/supers-dev/supers/actors/runstate"
	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/logsink"
	"github.com/supers-dev/supers/notify"
)

// rootActor is the top of superd's actor tree. It is spawned with a guardian
// that always resumes it: restarting a parent stops all of its children, so
// a bug here must never restart it (that would stop every service). Its own
// children, the log sink actor and the services supervisor, are resumed too
// when they fail, for the same reason.
type rootActor struct {
	deps    *serviceDeps
	initial []*config.Service // what Run loads first; the config actor starts from it
	loadErr []error
	// loadStamps are the config dir's files as they were before Run loaded
	// them (nil without a config dir, or if it could not be read).
	loadStamps  map[string]fileStamp
	watch       bool
	rescanEvery time.Duration                     // see configActor.rescanEvery
	newWatcher  func() (*fsnotify.Watcher, error) // see configActor.newWatcher
	logDir      string
	logSinks    *logSinks // the log sink actor's Sinks, for the Supervisor
	// noLogDirCheck turns off the config actor's check of a changed
	// service's log directory (Supervisor.noLogDirCheck).
	noLogDirCheck bool
	// daemonOverrides are the [Daemon] keys a config check does not judge
	// (Config.DaemonOverrides).
	daemonOverrides []string
	store           *runstate.Store // nil: no state file
	queues          []*notify.Queue // one per notifier, owned by the event hub
	hooks           *queueSet       // every webhook queue made, for Run to close those the hub never took
	// daemon is the superd.conf the queues were built from (nil without a
	// config dir).
	daemon  *config.Daemon
	version string
	spawned chan<- rootChildren
}

// rootChildren tells the Supervisor where the root's children live.
type rootChildren struct {
	events   *actor.PID
	services *actor.PID
	config   *actor.PID // nil without a config dir
	state    *actor.PID // nil without a state file
}

// Receive implements actor.Actor.
func (r *rootActor) Receive(ctx actor.Context) {
	switch ctx.Message().(type) {
	case *actor.Started:
		logs, err := ctx.SpawnNamed(actor.PropsFromProducer(func() actor.Actor {
			l := newLogsActor(r.logDir, r.deps.logger)
			l.registry = r.logSinks
			return l
		}), "logs")
		if err != nil {
			panic(err) // cannot happen: a fresh system has no actor of that name
		}
		queues, keys, logger := r.queues, webhookKeys(r.daemon), r.deps.logger
		events, err := ctx.SpawnNamed(actor.PropsFromProducer(func() actor.Actor {
			return &eventsActor{log: logger, queues: queues, keys: keys}
		}), "events")
		if err != nil {
			panic(err)
		}
		// Before any Sink is asked for: the services supervisor is spawned
		// below.
		ctx.Send(logs, &useEvents{hub: events})
		d := *r.deps
		d.events = events
		deps := &d
		if r.store != nil {
			store, logger := r.store, r.deps.logger
			state, err := ctx.SpawnNamed(actor.PropsFromProducer(func() actor.Actor {
				return &stateActor{store: store, log: logger}
			}), "state")
			if err != nil {
				panic(err)
			}
			deps.state = state
		}
		services, err := ctx.SpawnNamed(actor.PropsFromProducer(func() actor.Actor {
			return newServicesActor(deps, logs)
		}), "services")
		if err != nil {
			panic(err)
		}
		var cfg *actor.PID
		if deps.configDir != "" {
			known := make(map[string]*config.Service, len(r.initial))
			for _, sp := range r.initial {
				known[sp.Name] = sp
			}
			dir, errs, watch, daemon, version, loadStamps, rescanEvery, newWatcher := deps.configDir, r.loadErr, r.watch, r.daemon, r.version, r.loadStamps, r.rescanEvery, r.newWatcher
			r.loadStamps = nil // the config actor's now
			cfg, err = ctx.SpawnNamed(actor.PropsFromProducer(func() actor.Actor {
				c := &configActor{dir: dir, lock: deps.dirLock, services: services, events: events, log: logger, known: known, errs: errs,
					watchDir: watch, startDaemon: daemon, version: version, loadStamps: loadStamps, checkLogDir: logDirCheck(r.logDir, r.noLogDirCheck),
					hostCheck: hostChecker(deps), daemonOverrides: r.daemonOverrides, hooks: r.hooks, rescanEvery: rescanEvery, newWatcher: newWatcher}
				if daemon != nil {
					c.daemonHash = daemon.Hash
				}
				if deps.dirLock != nil {
					if err := deps.dirLock.Foreign(); err != nil {
						c.foreign = err.Error() // Run logged it
					}
				}
				return c
			}), "config")
			if err != nil {
				panic(err)
			}
		}
		if r.spawned != nil {
			r.spawned <- rootChildren{services: services, config: cfg, events: events, state: deps.state}
			r.spawned = nil
		}
	}
}

// resumeStrategy keeps an actor and its state after a failure: the message
// that caused the panic is dropped, nothing is restarted. The log names
// the actor and that message's type: the reason alone does not say which
// of superd's actors failed, nor on what.
func resumeStrategy(logger *slog.Logger) actor.SupervisorStrategy {
	return resumeAll{log: logger}
}

// resumeAll is resumeStrategy's actor.SupervisorStrategy.
type resumeAll struct{ log *slog.Logger }

// HandleFailure implements actor.SupervisorStrategy.
func (r resumeAll) HandleFailure(_ *actor.ActorSystem, sup actor.Supervisor, child *actor.PID, _ *actor.RestartStatistics, reason, message any) {
	r.log.Error("actor failed (a bug in superd); resuming it, the message dropped",
		"actor", child.GetId(), "message", fmt.Sprintf("%T", message), "reason", reason)
	sup.ResumeChildren(child)
}

// protoLogger routes protoactor's own logging into the embedder's logger,
// one level lower (its INFO chatter becomes DEBUG), so it is quiet at the
// default level.
func protoLogger(base *slog.Logger) func(*actor.ActorSystem) *slog.Logger {
	return func(*actor.ActorSystem) *slog.Logger {
		return slog.New(demoteHandler{base.Handler()}).With("component", "protoactor")
	}
}

// demoteHandler lowers every record by one level step (4).
type demoteHandler struct{ h slog.Handler }

func (d demoteHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return d.h.Enabled(ctx, l-4)
}

func (d demoteHandler) Handle(ctx context.Context, r slog.Record) error {
	r2 := slog.NewRecord(r.Time, r.Level-4, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool { r2.AddAttrs(a); return true })
	return d.h.Handle(ctx, r2)
}

func (d demoteHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return demoteHandler{d.h.WithAttrs(as)}
}

func (d demoteHandler) WithGroup(name string) slog.Handler {
	return demoteHandler{d.h.WithGroup(name)}
}

// now is the wall clock with its monotonic reading (uptimes survive clock
// jumps).
func now() time.Time { return time.Now() }

// logDirCheck returns the check of a service's log directory under logDir
// that the config actor makes before it replaces a changed service (see
// configActor.keepUnlogged), nil without a log dir, or with off.
func logDirCheck(logDir string, off bool) func(name string) error {
	if logDir == "" || off {
		return nil
	}
	return func(name string) error { return logsink.CheckServiceDir(filepath.Join(logDir, name)) }
}
