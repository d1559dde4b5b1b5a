package actors

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/supers-dev/supers/actors/policy"
	"github.com/supers-dev/supers/actors/process"
	"github.com/supers-dev/supers/actors/runstate"
	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/notify"
	"github.com/supers-dev/supers/transport"
)

// Service states reported in status (the control protocol's).
const (
	StateStopped    = transport.StateStopped
	StateStarting   = transport.StateStarting
	StateRunning    = transport.StateRunning
	StateStopping   = transport.StateStopping
	StateExited     = transport.StateExited
	StateExecFailed = transport.StateExecFailed
	StateBackoff    = transport.StateBackoff
	StateFatal      = transport.StateFatal
)

// ErrStartFailed wraps the error of a start whose program could not be
// executed (missing binary, bad WorkingDirectory, unknown User...). It is
// [transport.ErrStartFailed], so that the API answers such a start with
// the service's status.
var ErrStartFailed = transport.ErrStartFailed

// starter is the part of the process layer a service actor needs.
type starter interface {
	Start(spec process.Spec, onExit func(process.Exit)) (process.Handle, error)
}

// strayFinder is implemented by a process layer that can find the
// processes of a service that left its process group and outlived their
// parent, by the service's marker or the output pipes it was given
// (*process.Manager in subreaper mode).
type strayFinder interface {
	Strays(entry string, pipes ...uint64) []*process.Stray
}

// signaller sends a signal to a process group (process.SignalGroup).
type signaller func(pgid int, sig string) error

// pipeSource gives a service actor the stdout and stderr pipes of each new
// process (a *logsink.Sink).
type pipeSource interface {
	Pipes() (stdout, stderr *os.File, err error)
}

// serviceDeps is what a service actor is given by its parent. It is shared
// by all services and immutable.
type serviceDeps struct {
	procs  starter
	signal signaller
	logger *slog.Logger
	env    []string // the base of every child's environment (baseEnv)
	now    func() time.Time
	rand   func() float64 // jitter source, in [0, 1)
	// state is the state actor (nil: no state file).
	state *actor.PID
	// opStopped lists the services the operator had stopped when superd
	// last ran; they do not start on their own.
	opStopped map[string]bool
	// opStarted lists the services with AutoStart=no that were wanted
	// running when superd last ran (see startedIntent); they start as
	// AutoStart=yes ones do. Never in opStopped.
	opStarted map[string]bool
	// earlyStopped lists the services of opStopped that are there because
	// the operator stopped them while superd was starting (see
	// Supervisor.early), not before it restarted.
	earlyStopped map[string]bool
	// intents reports what the state file records now of a service: the
	// operator stopped it, or it is one with AutoStart=no wanted running
	// (nil: no state file). opStopped and opStarted say it for a service
	// not created yet in this run; this, for one created before, whose
	// actor the operator's stops and starts went to since.
	intents func(service string) (stopped, started bool)
	// events is the event hub (nil: no events are published).
	events *actor.PID
	// configDir is the directory of the service files ("" if none).
	configDir string
	// dirLock is configDir's lock (nil without one), which the config
	// actor moves to the directory the path names at each reload.
	dirLock *config.DirLock
	// marker returns the value of runstate.MarkerEnv for a service's
	// processes, by which a later superd finds what a crashed one left
	// (nil: no state file).
	marker func(service string) string
	// groupExists reports whether a process group still has a member
	// (process.GroupExists). nil: a stop ends with the main process, and
	// the rest of the group is killed then.
	groupExists func(pgid int) bool
	// userEnv gives HOME, USER, LOGNAME (and SHELL) of a User= (process.UserEnv;
	// nil: those of env are kept).
	userEnv func(user string) ([]string, error)
	// beforeReceive, if set (by tests), is called with each message
	// before the service actor handles it: a panic there stands for a bug
	// of the actor's own code.
	beforeReceive func(msg any)
}

// serviceRecord is the part of a service's state that survives the restarts
// of its actor (protoactor builds a new actor instance on each restart).
// Only the service actor touches it, one incarnation at a time.
type serviceRecord struct {
	gen          uint64 // generation of the current (or last) process
	restarts     int
	lastExit     *transport.ExitInfo
	lastErr      string
	wantRunning  bool // desired state: false after an operator's stop
	incarnations int
	handled      uint64 // seq of the last start or restart handled
}

// serviceActor owns one service and at most one OS process. Everything here
// is touched only from the actor's Receive: start, stop, restart and the
// process-exit notice are all messages, so they are serialised.
//
// An exit nobody asked for is a failure of this actor: it panics with an
// *exitError, and its parent, the services supervisor, decides through its
// SupervisorStrategy whether to restart it (now or after a backoff delay),
// leave it exited, or give up. A restart builds a new incarnation, whose
// Started starts a new process.
type serviceActor struct {
	spec *config.Service
	sink pipeSource
	deps *serviceDeps
	rec  *serviceRecord

	state     string
	handle    process.Handle
	startedAt time.Time
	// leaderGone: the main process, the leader of handle's group, has
	// exited. groupGone: the group was then seen empty. Its number, no
	// longer anyone's, may be given to another process and its group:
	// it is never signalled nor looked at again (see signalGroup).
	leaderGone, groupGone bool

	// stop in progress (state == stopping)
	killTimer *time.Timer
	killed    bool
	killedAt  time.Time
	// killReason says why a stop's SIGKILL was sent, when a timeout (the
	// stop's or superd's shutdown's) sent it: the stop event's reason, as
	// systemd's "Result: timeout". Without it, a stop that needed SIGKILL
	// looked like one that ended at KillSignal=.
	killReason string
	// stuckPID is the main process that a stop left after its SIGKILL
	// (handleKillWaitOver), until it exits at last or the service starts
	// again; stuckErr is the status's error that says so.
	stuckPID int
	stuckErr string
	// mainExit is the exit of the main process during a stop while the
	// rest of its group is still stopping; pollTimer checks on the group.
	mainExit  *processExited
	pollTimer *time.Timer
	// crashing: the main process exited unasked and the rest of its group,
	// SIGKILLed, is not gone yet; its restart waits for the group and then
	// for the processes that left it (see handleExit).
	crashing bool
	// strays are the processes of the service that left its process group,
	// found once the group is gone (they carry the service's marker), and
	// signalled like it; the stop waits for them too.
	strays []*process.Stray
	// strayLog holds the processes found outside the group that are not
	// logged yet (see noteStrays).
	strayLog strayBatch
	// continuations run once the process has exited during a stop
	afterStop []continuation
	// running is the reply of the continuation being run (nil between
	// them): recoverBug answers it if a bug cuts the continuation short.
	running replyTo
	// ownStop: superd's own stop (shutdown, or a reload removing or
	// replacing the service) superseded the starts waiting in afterStop.
	ownStop bool
	// execErr, while continuations run, is the exec failure of one of them:
	// later starts in the same batch are answered with it, not retried.
	execErr error
	// held are the answers to the commands whose start could not execute
	// the program, held back until fail hands them to the supervisor.
	held []heldAnswer
	// autoPending: this incarnation, restarted by the supervisor, has sent
	// itself the autoStart of the restart, not handled yet. Meanwhile the
	// parent shows the service starting.
	autoPending bool
	// retiring: the services supervisor asked the actor to go (retire)
	// while a stop, or a process a command before it started, was under
	// way; it goes once that has ended, its commands answered, with no
	// process left (see retireWhenIdle).
	retiring bool
	// deferred are the starts that came while crashing, before any stop:
	// the process is gone, and whether the service restarts is the
	// services supervisor's to decide. They go back to the mailbox with
	// the failure (see ended), which then finds a start waiting.
	deferred []*startService
}

func newServiceActor(spec *config.Service, sink pipeSource, deps *serviceDeps, rec *serviceRecord) *serviceActor {
	return &serviceActor{
		spec:  spec,
		sink:  sink,
		deps:  deps,
		rec:   rec,
		state: StateStopped,
	}
}

// log returns the service's logger: deps.logger with the service's name.
func (a *serviceActor) log() serviceLog { return serviceLog{a.deps.logger, a.spec.Name} }

// serviceLog logs for one service. Each record gets the attribute
// service=NAME first, as from a logger made by With("service", NAME), but
// no such logger is kept per service (a clone of the handler with its
// attributes preformatted: about 160 bytes each with slog's handlers, for
// a few records in a service's life).
type serviceLog struct {
	l    *slog.Logger
	name string
}

// Debug logs at slog.LevelDebug, as slog.Logger.Debug does.
func (s serviceLog) Debug(msg string, args ...any) { s.emit(slog.LevelDebug, msg, args) }

// Info logs at slog.LevelInfo.
func (s serviceLog) Info(msg string, args ...any) { s.emit(slog.LevelInfo, msg, args) }

// Warn logs at slog.LevelWarn.
func (s serviceLog) Warn(msg string, args ...any) { s.emit(slog.LevelWarn, msg, args) }

// Error logs at slog.LevelError.
func (s serviceLog) Error(msg string, args ...any) { s.emit(slog.LevelError, msg, args) }

// emit builds the record as slog.Logger does, the caller of Debug, Info,
// Warn or Error as its source.
func (s serviceLog) emit(level slog.Level, msg string, args []any) {
	ctx := context.Background()
	if !s.l.Enabled(ctx, level) {
		return
	}
	var pcs [1]uintptr
	runtime.Callers(3, pcs[:]) // skip Callers, emit and Debug/Info/Warn/Error
	r := slog.NewRecord(time.Now(), level, msg, pcs[0])
	r.AddAttrs(slog.String("service", s.name))
	r.Add(args...)
	_ = s.l.Handler().Handle(ctx, r)
}

// exitError is the failure of a service actor whose process ended without
// being asked to, or could not be executed. Its parent's supervisor
// strategy receives it as the failure reason.
type exitError struct {
	// Service is the service name.
	Service string
	// Exit describes how the process ended; zero when ExecErr is set.
	Exit process.Exit
	// ExecErr is the error of a start that could not execute the program.
	ExecErr error
	// RanFor is how long the process ran.
	RanFor time.Duration
	// Gen is the generation of the process.
	Gen uint64
	// Handled is the seq of the last start or restart the service actor
	// handled (see serviceEntry.sent).
	Handled uint64
	// Held are the answers to the starts that failed to execute the
	// program: the services supervisor sends them once it has decided
	// what follows, so that they show it (backoff and the next attempt,
	// fatal, or exec-failed when Restart= does not retry).
	Held []heldAnswer
}

// heldAnswer is the answer to a command, held back (see exitError.Held).
type heldAnswer struct {
	reply  replyTo
	status transport.ServiceStatus // the service actor's, at its failure
	err    error
}

func (e *exitError) Error() string {
	if e.ExecErr != nil {
		return fmt.Sprintf("service %s: %v", e.Service, e.ExecErr)
	}
	return fmt.Sprintf("service %s: process %d ended with %s after %v", e.Service, e.Exit.PID, e.Exit, e.RanFor.Round(time.Millisecond))
}

func (e *exitError) Unwrap() error { return e.ExecErr }

// actorBug is the failure of a service actor that is not its process's
// end: a panic of its own code (a bug in superd). recoverBug turns the
// panic into one, once it has killed the process, so that the services
// supervisor applies the restart policy's backoff and start limit to it:
// restarted at once, a bug that recurs at each start would make a tight
// loop of restarts and forks.
type actorBug struct {
	// Service is the service name.
	Service string
	// Reason is the value the actor panicked with.
	Reason any
	// Message names the type of the message it was handling.
	Message string
	// Stack is the stack of the panic.
	Stack []byte
	// Gen is the generation of the last process started (or attempted).
	Gen uint64
	// PID is the process the failure killed, 0 if none ran.
	PID int
	// RanFor is how long that process had run.
	RanFor time.Duration
	// Running says the service was running, or being started (its
	// process, a restart's start, or the start the failed message asked
	// for), and wanted running: a restart starts it. Not for one that had
	// ended (exited, exec-failed, or fatal, whose actor is idle), which a
	// bug must not start again.
	Running bool
}

func (b *actorBug) Error() string {
	return fmt.Sprintf("service %s: superd failed while it handled %s: %v", b.Service, b.Message, b.Reason)
}

// continuation is the rest of a command (a start, stop or restart) that
// waits for the stop under way: run, once the process has exited, answers
// reply (nil: superd's own stop, which nobody waits for). If the actor
// fails first (a bug), recoverBug answers reply instead.
type continuation struct {
	reply replyTo
	run   func(actor.Context) error
}

// recoverBug, deferred by Receive, turns a panic that is not an
// *exitError (a bug) into an *actorBug: the process, which this actor can
// no longer be trusted to handle, is SIGKILLed (as the cleanup of a restart
// would), the answers it held are sent, the parent is told that no process
// runs, and the actor fails with the actorBug. An *exitError goes on as it
// is. wasUp is up() before the message was handled.
func (a *serviceActor) recoverBug(ctx actor.Context, wasUp bool) {
	r := recover()
	if r == nil {
		return
	}
	if _, ok := r.(*exitError); ok {
		panic(r)
	}
	b := &actorBug{Service: a.spec.Name, Reason: r, Message: fmt.Sprintf("%T", ctx.Message()), Stack: debug.Stack(),
		Gen: a.rec.gen, PID: a.handle.PID}
	if b.PID != 0 {
		b.RanFor = a.deps.now().Sub(a.startedAt)
	}
	up := wasUp || a.up()
	switch ctx.Message().(type) {
	case *actor.Started, *autoStart, *startService, *restartService:
		up = true // a start was under way
	}
	b.Running = a.rec.wantRunning && up
	func() {
		defer func() { _ = recover() }() // the failure goes on whatever happens here
		a.cleanup()                      // timers, SIGKILL to the group and to the processes that left it
		if a.handle.PID != 0 {
			// And those not found yet (a daemon the main process forked,
			// adopted by superd): the restart must not run the service
			// beside them, as after a crash (ended).
			a.killStrays()
		}
		a.handle, a.mainExit, a.crashing, a.killed, a.killReason = process.Handle{}, nil, false, false, ""
		a.ownStop, a.execErr, a.autoPending = false, nil, false
		switch {
		case !up:
			// It had ended (exited, exec-failed, stopped): it stays so.
		case a.rec.wantRunning:
			a.state = StateExited
		default:
			a.state = StateStopped
		}
		a.rec.lastErr = b.Error()
		if b.PID != 0 {
			a.rec.lastErr += fmt.Sprintf(" (process %d killed)", b.PID)
		}
		for _, h := range a.held {
			h.reply.send(h.status, h.err)
		}
		for _, m := range a.deferred {
			m.reply.send(a.answer(), errors.New(a.rec.lastErr))
		}
		for _, c := range a.afterStop { // not run: their commands wait
			c.reply.send(a.answer(), errors.New(a.rec.lastErr))
		}
		// The command the bug cut short: the continuation being run, or
		// the message being handled. Either may have answered already.
		a.running.trySend(a.answer(), errors.New(a.rec.lastErr))
		switch m := ctx.Message().(type) {
		case *startService:
			m.reply.trySend(a.answer(), errors.New(a.rec.lastErr))
		case *stopService:
			m.reply.trySend(a.answer(), errors.New(a.rec.lastErr))
		case *restartService:
			m.reply.trySend(a.answer(), errors.New(a.rec.lastErr))
		}
		a.held, a.deferred, a.afterStop, a.running = nil, nil, nil, nil
		a.notify(ctx)
		if m, ok := ctx.Message().(*stopService); ok && m.reply == nil {
			// superd's own stop, cut short: it has no process left, and
			// the shutdown must not wait for it until its bound.
			a.stopHandled(ctx)
		}
	}()
	panic(b)
}

// up reports whether the service has a process, or one being started,
// stopped or cleaned up after its exit.
func (a *serviceActor) up() bool {
	switch a.state {
	case StateRunning, StateStarting, StateStopping:
		return true
	}
	return a.handle.PID != 0 || a.autoPending || a.crashing
}

// Receive implements actor.Actor.
func (a *serviceActor) Receive(ctx actor.Context) {
	defer a.recoverBug(ctx, a.up())
	if a.deps.beforeReceive != nil {
		a.deps.beforeReceive(ctx.Message())
	}
	switch m := ctx.Message().(type) {
	case *actor.Started:
		a.rec.incarnations++
		if !a.rec.wantRunning {
			// The first notice tells the parent this service is set up.
			a.notify(ctx)
			return
		}
		if a.rec.incarnations > 1 {
			// Restarted by the supervisor: counted by the restart's
			// start (autoStart), which a queued stop may still cancel.
			// Commands that reached the mailbox while this actor was
			// suspended come first: if the start failed here, inline, the
			// actor would be suspended again before it got to them, and a
			// service whose exec keeps failing would answer them only
			// once it gives up (tens of seconds).
			ctx.Send(ctx.Self(), &autoStart{incarnation: a.rec.incarnations})
			a.autoPending = true
			return
		}
		// Started on creation (AutoStart, or re-created running by a
		// reload): an operator's stop recorded earlier no longer holds.
		// The creation is no operator's start: for a service with
		// AutoStart=no, the start recorded stays as it was (kept running
		// by a reload that turned AutoStart off, it does not start with
		// the next superd).
		a.intendCreated(ctx)
		// start notifies in every case.
		if err := a.start(ctx); err != nil {
			a.fail(err)
		}
	case *autoStart:
		a.autoPending = false
		// The restart's start, unless a command queued before it already
		// decided (started, stopped) or a later incarnation took over.
		if m.incarnation != a.rec.incarnations || !a.rec.wantRunning || a.handle.PID != 0 || a.state == StateStopping {
			return
		}
		a.rec.restarts++ // a failed exec is a restart attempt all the same
		if err := a.start(ctx); err != nil {
			a.fail(err)
		}
	case *startService:
		if a.crashing && a.state != StateStopping {
			// Not handled yet (rec.handled): answered once the failure
			// is decided, by this actor resumed or by its next
			// incarnation.
			a.log().Debug("start held until the exit's cleanup ends")
			a.deferred = append(a.deferred, m)
			return
		}
		a.rec.handled = max(a.rec.handled, m.seq)
		a.handleStart(ctx, m.reply, m.was)
	case *stopService:
		a.handleStop(ctx, m.reply, m.was)
		if m.reply == nil {
			a.stopHandled(ctx)
		}
	case *restartService:
		a.rec.handled = max(a.rec.handled, m.seq)
		a.handleRestart(ctx, m.reply, m.was)
	case *signalService:
		a.handleSignal(m)
	case *processExited:
		a.handleExit(ctx, m)
	case *stopTimedOut:
		a.handleStopTimeout(ctx, m)
	case *killWaitOver:
		a.handleKillWaitOver(ctx, m)
	case *killNow:
		if a.handle.PID != 0 && !a.killed {
			msg := "superd's shutdown timed out, killing process group"
			if a.groupGone {
				msg = "superd's shutdown timed out, killing the processes that left the process group"
			}
			// Begins as the reason of TimeoutStopSec='s SIGKILL does, so
			// that a receiver matching "stop timed out" sees both.
			a.killReason = "stop timed out at superd's shutdown; SIGKILL sent to " + a.killTargets()
			a.kill(ctx, msg)
		}
	case *retire:
		a.retiring = true
		a.retireWhenIdle(ctx)
	case *groupPoll:
		a.handleGroupPoll(ctx, m)
	case *actor.Stopping:
		a.cleanup()
	case *actor.Restarting:
		a.cleanup()
	}
}

// intend records the operator's intent and persists it, so that it
// survives a superd restart: stopped, or, for a service with AutoStart=no,
// started (a stop clears that too). It is sent every time (the state file
// skips writes that change nothing): what the file holds may have been
// set by an earlier actor of the same service, replaced by a reload since,
// with another AutoStart=.
func (a *serviceActor) intend(ctx actor.Context, running bool) {
	a.rec.wantRunning = running
	if a.deps.state != nil {
		ctx.Send(a.deps.state, &operatorIntent{service: a.spec.Name, stopped: !running})
		if running {
			ctx.Send(a.deps.state, &startedIntent{service: a.spec.Name, started: !a.spec.AutoStart})
		}
	}
}

// intendCreated records the intent of a service started on its creation:
// not stopped, and for one with AutoStart=yes, no start of the operator's
// either (it starts anyway; one recorded under an earlier AutoStart=no
// goes).
func (a *serviceActor) intendCreated(ctx actor.Context) {
	a.rec.wantRunning = true
	if a.deps.state != nil {
		ctx.Send(a.deps.state, &operatorIntent{service: a.spec.Name, stopped: false})
		if a.spec.AutoStart {
			ctx.Send(a.deps.state, &startedIntent{service: a.spec.Name, started: false})
		}
	}
}

// fail hands the exec failure err, and the answers held back for it, to
// the supervisor.
func (a *serviceActor) fail(err error) {
	held := a.held
	a.held = nil
	panic(&exitError{Service: a.spec.Name, ExecErr: err, Gen: a.rec.gen, Handled: a.rec.handled, Held: held})
}

// handleStart starts the service. was is the state the services supervisor
// showed for it: a start of a service in backoff is the restart it brings
// forward, and is counted as one.
func (a *serviceActor) handleStart(ctx actor.Context, reply replyTo, was string) {
	a.intend(ctx, true)
	switch a.state {
	case StateRunning, StateStarting:
		reply.send(a.answer(), nil)
	case StateStopping:
		// Start once the stop completes, instead of refusing.
		a.afterStop = append(a.afterStop, continuation{reply, func(ctx actor.Context) error { return a.startAndReply(ctx, reply, false) }})
	default:
		// In backoff, or queued before the restart's own start: the start
		// stands for that restart, and counts as one.
		if err := a.startAndReply(ctx, reply, was == StateBackoff || a.autoPending); err != nil {
			a.fail(err)
		}
	}
}

// startAndReply starts a process and answers reply. It returns the exec
// failure, which the caller reports to the supervisor (a.fail) like a crash,
// so it goes through the same backoff and start limit; the answer is then
// held back for the supervisor to send, once it has decided.
func (a *serviceActor) startAndReply(ctx actor.Context, reply replyTo, restart bool) error {
	switch {
	case !a.rec.wantRunning && a.ownStop && reply != nil:
		// Not an operator's stop but superd's: the services supervisor
		// decides, as for a command that comes now (a replacement
		// carries it out, a removal or the shutdown refuses it).
		var again command = &startService{name: a.spec.Name, reply: reply}
		if restart {
			again = &restartService{name: a.spec.Name, reply: reply}
		}
		ctx.Send(ctx.Parent(), again)
		return nil
	case !a.rec.wantRunning:
		// A stop that arrived while this start waited has the last word.
		reply.send(a.answer(), fmt.Errorf("%w: service %s was stopped by a later request", transport.ErrConflict, a.spec.Name))
		return nil
	case a.state == StateRunning:
		reply.send(a.answer(), nil) // an earlier continuation started it
		return nil
	case a.execErr != nil:
		// An earlier continuation failed: answered with it.
		a.held = append(a.held, heldAnswer{reply: reply, status: a.answer(), err: a.execErr})
		return nil
	}
	err := a.start(ctx)
	if err != nil {
		a.held = append(a.held, heldAnswer{reply: reply, status: a.answer(), err: err})
		return err
	}
	if restart {
		a.rec.restarts++
		a.notify(ctx)
	}
	reply.send(a.answer(), nil)
	return nil
}

// handleStop stops the service. was is the state the services supervisor
// showed for it (backoff, fatal), if any, instead of the actor's own.
func (a *serviceActor) handleStop(ctx actor.Context, reply replyTo, was string) {
	a.supersedeDeferred(ctx, reply != nil)
	if reply != nil {
		a.intend(ctx, false) // an operator's stop: persisted
	} else {
		// superd's own stop (shutdown, removal by a reload): not persisted,
		// but it supersedes starts queued behind a stop in progress.
		// The starts it supersedes are the services supervisor's to
		// decide (not if an operator's stop already superseded them).
		a.ownStop = a.ownStop || a.rec.wantRunning
		a.rec.wantRunning = false
	}
	switch a.state {
	case StateRunning, StateStarting:
		a.beginStop(ctx)
		fallthrough
	case StateStopping:
		a.afterStop = append(a.afterStop, continuation{reply, func(actor.Context) error {
			if a.state == StateRunning {
				// A start queued before this stop ran first because a
				// start queued after it has the last word.
				reply.send(a.answer(), fmt.Errorf("%w: service %s was started again by a later request", transport.ErrConflict, a.spec.Name))
				return nil
			}
			reply.send(a.answer(), nil)
			return nil
		}})
	default:
		// A stop that comes before the start of a restart (queued behind
		// it, autoPending) cancels it: the parent, which shows the service
		// starting, must hear of it, and so must the event streams.
		changed := a.state != StateStopped || a.autoPending
		if was == "" {
			was = a.state
			if a.autoPending {
				was = StateStarting
			}
		}
		a.state = StateStopped
		if changed {
			a.log().Info("stopped while not running", "was", was)
			// No process to stop, but a state change all the same: the
			// last event must not be a restart that never comes. Before
			// the parent's notice, as in ended.
			ev := notify.NewEvent(notify.TypeStop, a.spec.Name)
			ev.Reason = "was " + was
			publish(ctx, a.deps.events, ev)
		}
		a.notify(ctx)
		reply.send(a.answer(), nil)
	}
}

// handleRestart restarts the service. was is the state the services
// supervisor showed for it (backoff, fatal), if any: a restart in backoff
// replaces the automatic one and counts as a restart, as one of a running
// service does; one of a stopped, exited or given-up service is a start.
func (a *serviceActor) handleRestart(ctx actor.Context, reply replyTo, was string) {
	a.intend(ctx, true)
	switch a.state {
	case StateRunning, StateStarting:
		a.beginStop(ctx)
		fallthrough
	case StateStopping:
		a.afterStop = append(a.afterStop, continuation{reply, func(ctx actor.Context) error { return a.startAndReply(ctx, reply, true) }})
		// The starts held while a crash's cleanup went on (deferred):
		// this restart's stop took the cleanup over, and its start
		// stands for theirs, which are answered after it.
		for _, m := range a.deferred {
			a.afterStop = append(a.afterStop, continuation{m.reply, func(ctx actor.Context) error { return a.startAndReply(ctx, m.reply, false) }})
		}
		a.deferred = nil
	default:
		// In backoff, or queued before the restart's own start: the start
		// stands for that restart, and counts as one.
		if err := a.startAndReply(ctx, reply, was == StateBackoff || a.autoPending); err != nil {
			a.fail(err)
		}
	}
}

// handleSignal sends an operator's signal to the process group, and during
// a stop to the processes that left the group which the stop waits for.
// It changes nothing else: if the signal ends the process, its exit is
// handled like any other, by the restart policy.
func (a *serviceActor) handleSignal(m *signalService) {
	if !m.claim() {
		return // answered by the services supervisor: meant for a process that ended
	}
	switch a.state {
	case StateRunning, StateStarting, StateStopping:
	default:
		m.reply.send(a.answer(), fmt.Errorf("%w: service %s is not running (%s)", transport.ErrConflict, a.spec.Name, a.state))
		return
	}
	err := a.signalGroup(m.signal)
	// A stop also waits for the processes of the service that left its
	// group: they get the signal too, which is the only way to end such a
	// stop under TimeoutStopSec=infinity once the group is gone.
	strays := 0
	for _, st := range a.strays {
		if !st.Exited() && st.Signal(m.signal) == nil {
			strays++
		}
	}
	if err != nil && !(errors.Is(err, process.ErrNoProcess) && strays > 0) {
		if errors.Is(err, process.ErrNoProcess) {
			err = fmt.Errorf("%w: service %s: its process group is gone", transport.ErrConflict, a.spec.Name)
		}
		m.reply.send(a.answer(), err)
		return
	}
	a.log().Info("signal sent", a.signalAttrs(m.signal, err == nil, strays)...)
	m.reply.send(a.answer(), nil)
}

// signalAttrs are the attributes of the log line of an operator's signal
// sig, or of a stop's SIGKILL (kill): the main process and the group only
// if they got it (toGroup), and how many processes outside the group did. A main process that has
// exited, or a group seen gone, is not named: its number may already be
// another process's, which an operator reading the log could kill.
func (a *serviceActor) signalAttrs(sig string, toGroup bool, strays int) []any {
	var attrs []any
	if toGroup {
		if !a.leaderGone {
			attrs = append(attrs, "pid", a.handle.PID)
		}
		attrs = append(attrs, "pgid", a.handle.PGID)
	}
	attrs = append(attrs, "signal", sig)
	if strays > 0 {
		attrs = append(attrs, "left_group", strays) // processes outside the group signalled too
	}
	return attrs
}

// start launches a new process generation. The caller has checked that no
// process is running.
func (a *serviceActor) start(ctx actor.Context) error {
	// Every attempt is a new generation, even one that fails before exec:
	// the supervisor counts attempts by generation.
	a.rec.gen++
	startedAt := a.deps.now() // before the fork: the exit can be noticed before Start returns
	stdout, stderr, err := a.sink.Pipes()
	if err != nil {
		return a.execFailed(ctx, fmt.Errorf("%w: %s: log pipes: %w", ErrStartFailed, a.spec.Name, err))
	}
	gen, self, root := a.rec.gen, ctx.Self(), ctx.ActorSystem().Root
	spec := startSpec(a.spec, a.environment())
	spec.Stdout, spec.Stderr = stdout, stderr
	h, err := a.deps.procs.Start(spec, func(e process.Exit) {
		// Runs on the reaper goroutine: only send a message.
		root.Send(self, &processExited{gen: gen, exit: e})
	})
	// The child has its own copies; the parent must not keep the write ends,
	// or the sink would never see EOF.
	_ = stdout.Close()
	_ = stderr.Close()
	if err != nil {
		return a.execFailed(ctx, fmt.Errorf("%w: %s: %w", ErrStartFailed, a.spec.Name, err))
	}
	a.handle = h
	a.leaderGone, a.groupGone = false, false
	a.state = StateRunning
	a.startedAt = startedAt
	a.rec.lastErr = ""
	a.stuckPID, a.stuckErr = 0, ""
	a.killed, a.killReason = false, ""
	a.log().Info("process started", "pid", h.PID, "argv", a.spec.ExecStart)
	ev := notify.NewEvent(notify.TypeStart, a.spec.Name)
	ev.PID = h.PID
	publish(ctx, a.deps.events, ev)
	if a.deps.state != nil {
		// The pipes identify the service's processes after a crash of
		// superd, whatever they do to their environment.
		var pipes []uint64
		for _, id := range h.Pipes {
			if id != 0 {
				pipes = append(pipes, id)
			}
		}
		stopAfter := a.spec.TimeoutStopSec // 0 in the record: infinity
		if stopAfter >= config.Infinity {
			stopAfter = 0
		}
		ctx.Send(a.deps.state, &processStarted{record: runstate.Record{
			Service: a.spec.Name, PID: h.PID, PGID: h.PGID, StartTime: h.StartTime, Pipes: pipes,
			KillSignal: a.spec.KillSignal, TimeoutStop: stopAfter,
		}})
	}
	a.notify(ctx)
	return nil
}

func (a *serviceActor) execFailed(ctx actor.Context, err error) error {
	a.state = StateExecFailed
	a.rec.lastErr = err.Error()
	a.handle = process.Handle{}
	errno, short := process.ResourceShortage(err)
	if short {
		// Not the service's fault: the supervisor retries it (policy).
		a.log().Warn("process could not be started for lack of a resource; the start will be retried", "errno", errno, "err", err)
	} else {
		a.log().Error("process could not be started", "err", err)
	}
	a.notify(ctx)
	if !short {
		// superd's own shortage is not the service's failure: a webhook
		// on exec-failed would be paged for each retry (the restart
		// event that follows says one is coming).
		ev := notify.NewEvent(notify.TypeExecFailed, a.spec.Name)
		ev.Reason = err.Error()
		publish(ctx, a.deps.events, ev)
	}
	return err
}

// supersedeDeferred answers the starts deferred while crashing, which a
// stop now supersedes: an operator's stop (byOperator) has the last word;
// superd's own stop (shutdown, a reload's removal or replacement) leaves
// them to the services supervisor, as startAndReply does.
func (a *serviceActor) supersedeDeferred(ctx actor.Context, byOperator bool) {
	for _, m := range a.deferred {
		if byOperator {
			m.reply.send(a.answer(), fmt.Errorf("%w: service %s was stopped by a later request", transport.ErrConflict, a.spec.Name))
		} else {
			ctx.Send(ctx.Parent(), &startService{name: a.spec.Name, reply: m.reply})
		}
	}
	a.deferred = nil
}

// beginStop sends KillSignal to the process group, then SIGCONT (as systemd
// does: a suspended process would only handle KillSignal once continued),
// and arms the SIGKILL timer. The processes that left the group and are
// orphans already (a daemon's double fork made them superd's children)
// get KillSignal too, now, rather than once the group is gone: a group
// that holds out until TimeoutStopSec would leave them only its SIGKILL.
// The others can only be found once their parents are gone, with the
// group (see straysLeft).
func (a *serviceActor) beginStop(ctx actor.Context) {
	a.state = StateStopping
	a.log().Info("stopping", "pid", a.handle.PID, "signal", a.spec.KillSignal, "timeout", logDuration(a.spec.TimeoutStopSec))
	if err := a.signalGroup(a.spec.KillSignal); err != nil && !errors.Is(err, process.ErrNoProcess) {
		a.log().Warn("signal failed", "pid", a.handle.PID, "signal", a.spec.KillSignal, "err", err)
	}
	if a.spec.KillSignal != "SIGKILL" && a.spec.KillSignal != "SIGCONT" {
		_ = a.signalGroup("SIGCONT")
	}
	a.straysLeft()
	if d := a.spec.TimeoutStopSec; d > 0 && d < maxTimer {
		gen, self, root := a.rec.gen, ctx.Self(), ctx.ActorSystem().Root
		a.killTimer = time.AfterFunc(d, func() { root.Send(self, &stopTimedOut{gen: gen}) })
	}
	a.notify(ctx)
}

// maxTimer bounds TimeoutStopSec values treated as "never SIGKILL" (infinity).
const maxTimer = 100 * 365 * 24 * time.Hour

func (a *serviceActor) handleStopTimeout(ctx actor.Context, m *stopTimedOut) {
	if m.gen != a.rec.gen || a.state != StateStopping {
		return // stale timer of an older generation
	}
	msg := "stop timed out, killing process group"
	if a.groupGone {
		msg = "stop timed out, killing the processes that left the process group"
	}
	a.killReason = fmt.Sprintf("stop timed out after %s (TimeoutStopSec=); SIGKILL sent to %s", a.spec.TimeoutStopSec, a.killTargets())
	a.kill(ctx, msg, "timeout", logDuration(a.spec.TimeoutStopSec))
}

// killTargets names what a stop's SIGKILL (kill) is about to reach: the
// main process, what is left of its group, and the processes that left
// the group.
func (a *serviceActor) killTargets() string {
	var parts []string
	switch {
	case a.groupGone:
	case a.leaderGone:
		parts = append(parts, "the rest of the process group")
	default:
		parts = append(parts, "the main process and its process group")
	}
	if slices.ContainsFunc(a.strays, func(st *process.Stray) bool { return !st.Exited() }) {
		parts = append(parts, "the processes that left the process group")
	}
	if len(parts) == 0 {
		return "the process group" // gone since: the signal reaches no one
	}
	return strings.Join(parts, " and ")
}

// kill sends SIGKILL to the process group and to the processes that left
// it, and logs why (msg, attrs) with what it reaches, as an operator's
// signal is logged (signalAttrs): a main process that has exited, or a
// group seen gone, is not named. A main process that is still there
// groupKillWait later is given up on (handleKillWaitOver).
func (a *serviceActor) kill(ctx actor.Context, msg string, attrs ...any) {
	a.killed = true
	a.killedAt = a.deps.now()
	strays := 0
	for _, st := range a.strays {
		if !st.Exited() {
			strays++
		}
	}
	a.log().Warn(msg, append(a.signalAttrs("SIGKILL", !a.groupGone, strays), attrs...)...)
	if err := a.signalGroup("SIGKILL"); err != nil && !errors.Is(err, process.ErrNoProcess) {
		a.log().Warn("SIGKILL failed", "pgid", a.handle.PGID, "err", err)
	}
	for _, st := range a.strays {
		a.signalStray(st, "SIGKILL")
	}
	if a.killTimer != nil {
		a.killTimer.Stop() // the stop's timeout: this is its SIGKILL
	}
	gen, self, root := a.rec.gen, ctx.Self(), ctx.ActorSystem().Root
	a.killTimer = time.AfterFunc(groupKillWait, func() { root.Send(self, &killWaitOver{gen: gen}) })
}

// killWaitOver fires groupKillWait after a stop's SIGKILL.
type killWaitOver struct {
	gen uint64
}

// handleKillWaitOver ends a stop whose main process SIGKILL has not ended
// within groupKillWait: it is stuck in the kernel (a frozen cgroup, a hung
// file system) and will die when it leaves it, at a moment no one can
// tell. As for the rest of a group that outlives its SIGKILL (settleStop),
// and as systemd does after its final SIGKILL, it is logged and left: the
// stop ends, with the status saying so, rather than keep the operator's
// stop, and the commands queued behind it, waiting for ever. Its exit,
// when it comes, is stale.
func (a *serviceActor) handleKillWaitOver(ctx actor.Context, m *killWaitOver) {
	if m.gen != a.rec.gen || a.state != StateStopping || a.mainExit != nil {
		return // ended, or the main process exited: settleStop waits for the rest
	}
	pid := a.handle.PID
	a.log().Warn("process still there after SIGKILL (stuck in the kernel?); the stop leaves it", "pid", pid, "waited", groupKillWait)
	a.rec.lastErr = fmt.Sprintf("process %d still there after SIGKILL (stuck in the kernel?)", pid)
	a.stuckPID, a.stuckErr = pid, a.rec.lastErr
	// The SIGKILL it has pending is what it will die of.
	a.ended(ctx, &processExited{gen: m.gen, exit: process.Exit{PID: pid, Code: -1, Signal: "SIGKILL", Time: a.deps.now()}, stuck: true})
}

// autoStart is the start of a service restarted by its supervisor, sent
// by the new incarnation to itself so that it comes after the commands
// already queued.
type autoStart struct {
	incarnation int
}

// groupPoll asks a stopping service whose main process has exited to check
// whether the rest of its process group has too.
type groupPoll struct {
	gen   uint64
	after time.Duration // how long this poll waited
}

// Polling of the rest of a stopping group: the interval doubles from
// groupPollMin to groupPollMax; members still there groupKillWait after
// the SIGKILL (stuck in the kernel) are given up on.
const (
	groupPollMin  = 5 * time.Millisecond
	groupPollMax  = 100 * time.Millisecond
	groupKillWait = 2 * time.Second
)

func (a *serviceActor) handleExit(ctx actor.Context, m *processExited) {
	if a.stuckPID != 0 && m.gen == a.rec.gen && m.exit.PID == a.stuckPID {
		// The process a stop left after its SIGKILL is gone at last:
		// the status no longer says it is there.
		a.log().Info("the process left after SIGKILL has exited", "pid", a.stuckPID, "status", m.exit.String())
		if a.rec.lastErr == a.stuckErr {
			a.rec.lastErr = ""
		}
		a.stuckPID, a.stuckErr = 0, ""
		// The exit its stop did not set nor publish (see ended).
		info := exitInfo(m.exit, true)
		a.rec.lastExit = info
		ev := notify.NewEvent(notify.TypeExit, a.spec.Name)
		ev.PID, ev.Code, ev.Signal, ev.Expected, ev.CoreDumped = m.exit.PID, info.Code, m.exit.Signal, true, info.CoreDumped
		exitTime(&ev, m.exit)
		publish(ctx, a.deps.events, ev)
		a.notify(ctx)
		return
	}
	if m.gen != a.rec.gen || (a.state != StateRunning && a.state != StateStopping && a.state != StateStarting) {
		return // a stale notice about an older generation
	}
	a.leaderGone = true
	if a.state == StateStopping {
		// The rest of the group got KillSignal too and may still be
		// shutting down (a program started by a wrapper shell that died
		// at once): as under systemd, it has what is left of
		// TimeoutStopSec before the SIGKILL timer fires. So have the
		// processes that left the group, once it is gone.
		a.mainExit = m
		a.rec.lastExit = exitInfo(m.exit, true)
		a.settleStop(ctx, m.gen, groupPollMin)
		if a.mainExit != nil {
			// Still stopping: the status no longer shows the dead PID,
			// which the system may give to another process.
			a.notify(ctx)
		}
		return
	}
	// Nobody asked for this exit: the rest of the group dies with it, and
	// so do the processes that left it (a daemon the main process forked
	// is ours already; one that another member forked (setsid) becomes
	// ours only once that member is gone). Until all of them are gone (or
	// have had groupKillWait to go), the restart waits, or it could run
	// the service twice: a SIGKILLed process ends when the kernel gets to
	// it, not at once (stuck on a hung file system, or tearing down a
	// large address space while it still holds its sockets).
	a.killGroup()
	a.killed, a.killedAt = true, a.deps.now()
	if a.groupLeft() || a.straysLeft() {
		a.crashing = true
		a.mainExit = m
		a.rec.lastExit = exitInfo(m.exit, false)
		a.notify(ctx) // stopping: the status no longer shows the dead PID
		a.pollGroup(ctx, m.gen, groupPollMin)
		return
	}
	a.ended(ctx, m)
}

// killStrays SIGKILLs the processes of the service that left its group
// and outlived their parents (findStrays), and logs them.
func (a *serviceActor) killStrays() {
	var found []int
	for _, st := range a.findStrays() {
		if !st.Exited() {
			found = append(found, st.PID)
			a.signalStray(st, "SIGKILL")
		}
		st.Close()
	}
	a.logStrays("killing", found, "SIGKILL")
}

// killGroup SIGKILLs what is left of the process group.
func (a *serviceActor) killGroup() {
	if err := a.signalGroup("SIGKILL"); err != nil && !errors.Is(err, process.ErrNoProcess) {
		a.log().Debug("cleanup of process group failed", "pgid", a.handle.PGID, "err", err)
	}
}

// signalGroup sends sig to the process group, unless it was seen gone
// (groupLeft): its number may then be another group's, which it would
// signal; it returns process.ErrNoProcess instead, as the kernel would
// have for the group gone. While the group has a member, or its leader is
// alive, the kernel gives its number to no other process.
func (a *serviceActor) signalGroup(sig string) error {
	if a.groupGone {
		return process.ErrNoProcess
	}
	return a.deps.signal(a.handle.PGID, sig)
}

// groupLeft reports whether processes remain in the group of the process.
// Once its leader has exited, the first look that finds it empty is the
// last: the group's number is then free for the kernel to give to a new
// process, whose own group a later look (or signalGroup) would take for
// the service's.
func (a *serviceActor) groupLeft() bool {
	if a.groupGone {
		return false
	}
	left := a.deps.groupExists != nil && a.deps.groupExists(a.handle.PGID)
	if !left && a.leaderGone && a.deps.groupExists != nil {
		a.groupGone = true
	}
	return left
}

// findStrays returns the processes of the service that left its process
// group and outlived their parents: they carry its marker, or hold the
// stdout or stderr pipe of its current process (a process that cleared its
// environment). nil without a process layer that can find them.
func (a *serviceActor) findStrays() []*process.Stray {
	f, ok := a.deps.procs.(strayFinder)
	if !ok {
		return nil
	}
	entry := ""
	if a.deps.marker != nil {
		entry = runstate.MarkerEnv + "=" + a.deps.marker(a.spec.Name)
	}
	// An orphan still in the group (its parent, a subshell, exited) gets
	// the group's signals, and the stop waits for the group: signalled
	// again, it would get KillSignal twice, which many programs read as
	// "exit now, skip the graceful shutdown".
	return slices.DeleteFunc(f.Strays(entry, a.handle.Pipes[:]...), func(st *process.Stray) bool {
		if st.PGID != 0 && st.PGID == a.handle.PGID {
			st.Close()
			return true
		}
		return false
	})
}

// straysLeft looks for processes of the service that left its process
// group, sends the new ones KillSignal (SIGKILL once the stop timed out),
// and reports whether any found so far is still there, or ended since the
// last call (another look must follow it). Called when a stop
// begins, for those already orphaned, and once the group is gone: their
// parents, if they were in it, are gone too, so they are now superd's
// children.
func (a *serviceActor) straysLeft() bool {
	sig := a.spec.KillSignal
	if a.killed {
		sig = "SIGKILL"
	}
	var found []int
	for _, st := range a.findStrays() {
		if st.Exited() || slices.ContainsFunc(a.strays, func(o *process.Stray) bool { return o.PID == st.PID && !o.Exited() }) {
			// Already signalled, or already ended: a zombie not reaped
			// yet is listed again at each look, once forgotten below.
			st.Close()
			continue
		}
		a.strays = append(a.strays, st)
		found = append(found, st.PID)
		a.signalStray(st, sig)
		if sig != "SIGKILL" && sig != "SIGCONT" {
			a.signalStray(st, "SIGCONT")
		}
	}
	a.noteStrays(found, sig)
	gone := false
	a.strays = slices.DeleteFunc(a.strays, func(st *process.Stray) bool {
		if st.Exited() {
			st.Close()
			gone = true
			return true
		}
		return false
	})
	// A stray that ended since the look may have forked after it: its
	// child, superd's now, is found only by another look.
	return len(a.strays) > 0 || gone
}

// strayBatch is what noteStrays found and has not logged yet.
type strayBatch struct {
	pids   []int
	sig    string    // what they were sent
	logged time.Time // the last line of this stop or exit; zero: none yet
}

// strayLogEvery is the shortest interval between two lines about the
// processes a stop finds outside the group (noteStrays).
const strayLogEvery = time.Second

// noteStrays logs that the processes pids, found outside the group, are
// being stopped with sig: at once the first time of a stop (or of an
// exit's cleanup), then at most once every strayLogEvery, with the others
// found meanwhile. A process outside the group that ignores sig and keeps
// forking short-lived children (a shell loop) shows a new one at nearly
// every look, every 5 to 100 ms: a line each would flood superd's log for
// as long as TimeoutStopSec. ended logs what is left.
func (a *serviceActor) noteStrays(pids []int, sig string) {
	b := &a.strayLog
	if len(b.pids) > 0 && sig != b.sig {
		a.flushStrays() // the SIGKILL of the timeout gets a line of its own
	}
	b.pids, b.sig = append(b.pids, pids...), sig
	if len(b.pids) > 0 && a.deps.now().Sub(b.logged) >= strayLogEvery {
		a.flushStrays()
	}
}

// flushStrays logs the processes noteStrays holds.
func (a *serviceActor) flushStrays() {
	b := &a.strayLog
	if len(b.pids) == 0 {
		return
	}
	a.logStrays("stopping", b.pids, b.sig)
	b.pids, b.logged = nil, a.deps.now()
}

// logStrays logs, once for all of them, that the processes pids, which
// left the service's process group, are being stopped or killed (verb)
// with sig: a service that leaves thousands behind must not flood
// superd's log, whose queue would drop records.
func (a *serviceActor) logStrays(verb string, pids []int, sig string) {
	switch len(pids) {
	case 0:
	case 1:
		a.log().Warn(verb+" a process that left the service's process group", "pid", pids[0], "signal", sig)
	default:
		const shown = 10
		list := make([]string, 0, shown+1)
		for _, pid := range pids[:min(len(pids), shown)] {
			list = append(list, strconv.Itoa(pid))
		}
		if len(pids) > shown {
			list = append(list, fmt.Sprintf("and %d more", len(pids)-shown))
		}
		a.log().Warn(verb+" processes that left the service's process group", "count", len(pids), "pids", strings.Join(list, " "), "signal", sig)
	}
}

// signalStray sends sig to a process that left the group.
func (a *serviceActor) signalStray(st *process.Stray, sig string) {
	if err := st.Signal(sig); err != nil && !errors.Is(err, process.ErrNoProcess) {
		a.log().Warn("signal failed", "pid", st.PID, "signal", sig, "err", err)
	}
}

// closeStrays forgets the processes that left the group, SIGKILLing those
// still there.
func (a *serviceActor) closeStrays() {
	for _, st := range a.strays {
		if !st.Exited() {
			_ = st.Signal("SIGKILL")
		}
		st.Close()
	}
	a.strays = nil
}

// pollGroup schedules a groupPoll after d.
func (a *serviceActor) pollGroup(ctx actor.Context, gen uint64, d time.Duration) {
	self, root := ctx.Self(), ctx.ActorSystem().Root
	a.pollTimer = time.AfterFunc(d, func() { root.Send(self, &groupPoll{gen: gen, after: d}) })
}

// handleGroupPoll checks again on a stop whose main process has exited.
func (a *serviceActor) handleGroupPoll(ctx actor.Context, p *groupPoll) {
	m := a.mainExit
	if m == nil || p.gen != m.gen || (a.state != StateStopping && !a.crashing) {
		return
	}
	a.pollTimer = nil
	a.settleStop(ctx, p.gen, min(2*p.after, groupPollMax))
}

// settleStop ends the stop whose main process has exited once the rest of
// its group is gone, and then the processes that left the group (or, after
// SIGKILL, once they have had groupKillWait to go); else it checks again
// after next.
func (a *serviceActor) settleStop(ctx actor.Context, gen uint64, next time.Duration) {
	if a.groupLeft() || a.straysLeft() {
		if !a.killed || a.deps.now().Sub(a.killedAt) < groupKillWait {
			a.pollGroup(ctx, gen, next)
			return
		}
		// Left, as a main process stuck after its SIGKILL is
		// (handleKillWaitOver), and the status says so: a start now
		// would run the service beside them.
		if left := a.leftBehind(); left != "" {
			a.log().Warn("processes of the service still there after SIGKILL", "pgid", a.handle.PGID, "strays", len(a.strays), "waited", groupKillWait)
			a.rec.lastErr = "processes of the service still there after SIGKILL (stuck in the kernel?): " + left
		}
	}
	m := a.mainExit
	a.mainExit = nil
	a.ended(ctx, m)
}

// leftBehind names what settleStop leaves after the SIGKILL: the process
// group, if it still has members, and the processes that left it which
// are still there; "" if none is.
func (a *serviceActor) leftBehind() string {
	var parts []string
	if a.groupLeft() {
		parts = append(parts, fmt.Sprintf("process group %d", a.handle.PGID))
	}
	var pids []string
	for _, st := range a.strays {
		if !st.Exited() {
			pids = append(pids, strconv.Itoa(st.PID))
		}
	}
	switch len(pids) {
	case 0:
	case 1:
		parts = append(parts, "process "+pids[0]+" outside it")
	default:
		parts = append(parts, "processes "+strings.Join(pids, ", ")+" outside it")
	}
	return strings.Join(parts, " and ") // "": gone since the last look
}

// ended handles the end of the current process (and, for a stop, of its
// group).
func (a *serviceActor) ended(ctx actor.Context, m *processExited) {
	// A stop (or a restart) decides what follows; the exit was expected
	// only if the process did not end on its own before the stop came
	// (while the cleanup of its crash went on): that is a crash, and
	// reported as one.
	stopping := a.state == StateStopping
	expected := stopping && !a.crashing
	a.flushStrays()
	a.strayLog = strayBatch{}
	if a.killTimer != nil {
		a.killTimer.Stop()
		a.killTimer = nil
	}
	a.closeStrays()
	// Whatever the main process left in its group (background grandchildren)
	// dies with it: a supervised service is its whole process group. An
	// unasked exit SIGKILLed it already (handleExit): again only if members
	// outlived the wait for them.
	if stopping || a.crashing {
		a.killGroup()
	}
	a.crashing = false
	if !stopping {
		// So do the processes that left the group and already outlived
		// their parents (a program that forked a daemon and exited): the
		// restart must not run the service twice.
		a.killStrays()
	}
	if !m.stuck {
		// A process left after its SIGKILL has not exited: its exit is
		// set when it does (handleExit).
		a.rec.lastExit = exitInfo(m.exit, expected)
	}
	a.handle = process.Handle{}
	if a.deps.state != nil {
		ctx.Send(a.deps.state, &processEnded{service: a.spec.Name})
	}
	ranFor := m.exit.Time.Sub(a.startedAt)
	attrs := []any{"pid", m.exit.PID, "status", m.exit.String(), "uptime", ranFor.Round(time.Millisecond)}
	switch {
	case expected && m.stuck:
		// Not "process stopped" with the SIGKILL it has pending as its
		// status: it is still there (handleKillWaitOver said so).
		a.state = StateStopped
		a.log().Info("stop over, the process left behind", "pid", m.exit.PID, "uptime", ranFor.Round(time.Millisecond))
	case expected:
		a.state = StateStopped
		if a.killed {
			attrs = append(attrs, "killed", true)
		}
		a.log().Info("process stopped", attrs...)
	default:
		a.state = StateExited
		if stopping {
			a.state = StateStopped
			attrs = append(attrs, "before", "a stop or restart") // which decides what follows
		}
		// A clean exit (0, SuccessExitStatus=, or a clean signal) is a job
		// done, not a problem: Info, as systemd logs it.
		if policy.Clean(a.spec.Restart, policy.Outcome{Code: m.exit.Code, Signal: m.exit.Signal, CoreDumped: m.exit.CoreDumped}) {
			a.log().Info("process exited", attrs...)
		} else {
			a.log().Warn("process exited", attrs...)
		}
	}
	// The events before the parent's notice: once told that no process
	// is left, superd's shutdown drains the event hub, and its drain must
	// find them already in the hub's mailbox (messages of one sender keep
	// their order), or they are lost.
	if !m.stuck {
		// A process left after its SIGKILL has not exited: its exit
		// event comes when it does (handleExit), or never.
		ev := notify.NewEvent(notify.TypeExit, a.spec.Name)
		ev.PID, ev.Code, ev.Signal, ev.Expected = m.exit.PID, a.rec.lastExit.Code, m.exit.Signal, expected
		ev.CoreDumped = a.rec.lastExit.CoreDumped
		exitTime(&ev, m.exit)
		publish(ctx, a.deps.events, ev)
	}
	if stopping {
		ev := notify.NewEvent(notify.TypeStop, a.spec.Name)
		ev.PID = m.exit.PID
		switch {
		case m.stuck:
			ev.Reason = a.stuckErr // says the SIGKILL too
		case a.killReason != "":
			ev.Reason = a.killReason
		}
		publish(ctx, a.deps.events, ev)
	}
	a.notify(ctx)
	if !stopping {
		// The starts that came meanwhile wait in the mailbox this failure
		// suspends, not handled: the supervisor sees them waiting.
		for _, m := range a.deferred {
			ctx.Send(ctx.Self(), m)
		}
		a.deferred = nil
		// Nobody asked for this exit: a failure, for the supervisor to decide.
		panic(&exitError{Service: a.spec.Name, Exit: m.exit, RanFor: ranFor, Gen: m.gen, Handled: a.rec.handled})
	}
	// Each continuation leaves afterStop before it runs: those still in
	// it when a bug ends the actor are answered by recoverBug.
	for len(a.afterStop) > 0 {
		c := a.afterStop[0]
		a.afterStop = a.afterStop[1:]
		a.running = c.reply
		err := c.run(ctx)
		a.running = nil
		if err != nil && a.execErr == nil {
			a.execErr = err
		}
	}
	a.afterStop = nil
	if err := a.execErr; err != nil {
		a.execErr = nil
		a.fail(err) // every queued command has its answer
	}
	a.retireWhenIdle(ctx)
}

// retireWhenIdle stops the actor of a service being removed or replaced
// (retiring) once nothing is under way. The services supervisor retires it
// on a status that shows it stopped, which may be one a command before the
// removal's stop made: the actor may then still have a stop to see end
// (with the commands waiting for it) or a process a later command started.
// Stopped then, it would leave those commands unanswered, and its cleanup
// would SIGKILL the process at once, whatever its TimeoutStopSec. So it
// waits for the stop's end (ended calls it again), or stops a process
// first, as the removal's own stop does.
func (a *serviceActor) retireWhenIdle(ctx actor.Context) {
	switch {
	case !a.retiring:
	case a.state == StateStopping || a.crashing || a.mainExit != nil:
		// ended calls it again
	case a.handle.PID != 0:
		a.log().Debug("stopping the process a command started before the service's removal or replacement")
		a.handleStop(ctx, nil, "")
	default:
		ctx.Stop(ctx.Self())
	}
}

// cleanup runs when the actor stops or restarts. It must never panic (a
// panic in Stopping turns the stop into a restart) and never block. A
// process still alive at this point is killed: an actor that goes away
// leaves nothing behind.
func (a *serviceActor) cleanup() {
	defer func() {
		if r := recover(); r != nil {
			a.log().Error("panic during service cleanup", "panic", r)
		}
	}()
	if a.killTimer != nil {
		a.killTimer.Stop()
		a.killTimer = nil
	}
	if a.pollTimer != nil {
		a.pollTimer.Stop()
		a.pollTimer = nil
	}
	if a.handle.PGID > 0 {
		_ = a.signalGroup("SIGKILL")
	}
	a.closeStrays()
	a.flushStrays() // what a stop cut short found and had not logged
	a.strayLog = strayBatch{}
}

// notify tells the parent the current status.
func (a *serviceActor) notify(ctx actor.Context) {
	if p := ctx.Parent(); p != nil {
		ctx.Send(p, &statusChanged{status: a.status(), gen: a.rec.gen, from: ctx.Self()})
	}
}

// stopHandled tells the parent that this actor has handled one of
// superd's own stops (a stopService without a reply), whose event and
// status notice it has sent already: the shutdown waits for that (see
// checkDrained).
func (a *serviceActor) stopHandled(ctx actor.Context) {
	if p := ctx.Parent(); p != nil {
		ctx.Send(p, &stopHandled{from: ctx.Self()})
	}
}

// answer is the status an operation (start, stop, restart, signal)
// replies with: status with the uptime computed now, as a status query
// gives it.
func (a *serviceActor) answer() transport.ServiceStatus {
	st := a.status()
	setUptime(&st, a.deps.now())
	return st
}

// status is the service's current status, without its uptime (which the
// services actor computes when asked).
func (a *serviceActor) status() transport.ServiceStatus {
	st := transport.ServiceStatus{
		Name:        a.spec.Name,
		State:       a.state,
		PID:         a.handle.PID,
		Description: a.spec.Description,
		Restarts:    a.rec.restarts,
		LastExit:    a.rec.lastExit,
		Error:       a.rec.lastErr,
	}
	switch {
	case a.crashing:
		// The main process is gone; what is left of the service is being
		// killed, and the restart waits for it (handleExit).
		st.State, st.PID = StateStopping, 0
	case a.mainExit != nil:
		// Stopping, the main process gone: the rest of the group (or
		// what left it) is still being stopped.
		st.PID = 0
	case a.handle.PID != 0:
		t := a.startedAt
		st.StartedAt = &t
	}
	return st
}

// exitTime stamps an exit event with the time the process exited, as the
// status's last exit has it, rather than the time it is published: that
// is once the rest of the process group (and the processes that left it)
// are gone too, up to TimeoutStopSec later, and the event's time is when
// the process ended. An exit without a time (none of the process layer's)
// keeps the event's.
func exitTime(ev *notify.Event, e process.Exit) {
	if !e.Time.IsZero() {
		ev.Time = e.Time.UTC().Truncate(time.Millisecond)
	}
}

func exitInfo(e process.Exit, expected bool) *transport.ExitInfo {
	info := &transport.ExitInfo{Signal: e.Signal, CoreDumped: e.Signal != "" && e.CoreDumped, Time: e.Time, Expected: expected}
	if e.Signal == "" {
		code := e.Code
		info.Code = &code
	}
	return info
}

// environment is the child's environment: the base (baseEnv); with User=,
// that user's HOME, USER, LOGNAME and SHELL (as systemd sets them:
// superd's own would point a service run as www-data at root's home); the service's
// Environment=; then the marker of the state file (which the service cannot
// override).
func (a *serviceActor) environment() []string {
	env := childEnv(a.deps, a.spec)
	if a.deps.marker != nil {
		env = mergeEnv(env, []string{runstate.MarkerEnv + "=" + a.deps.marker(a.spec.Name)})
	}
	return env
}

// mergeEnv returns base with the KEY=VALUE pairs of extra applied in order;
// a later value for a key replaces an earlier one.
func mergeEnv(base, extra []string) []string {
	if len(extra) == 0 {
		return base
	}
	idx := make(map[string]int, len(base)+len(extra))
	out := make([]string, 0, len(base)+len(extra))
	for _, list := range [][]string{base, extra} {
		for _, kv := range list {
			k, _, _ := strings.Cut(kv, "=")
			if i, ok := idx[k]; ok {
				out[i] = kv
				continue
			}
			idx[k] = len(out)
			out = append(out, kv)
		}
	}
	return out
}

// defaultPath is a child's PATH on Unix when the supervisor has none:
// systemd's.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// envRules are what differs between systems in baseEnv: childEnvRules
// gives this system's.
type envRules struct {
	foldCase    bool     // variable names compare without case (Windows)
	defaultPath string   // PATH when the supervisor has none; "" leaves it unset
	system      []string // more variables a child gets as they are, if set
}

// baseEnv is the environment every child starts from, taken from environ
// (the supervisor's own environment), never all of it: a token or any
// other variable of the supervisor's stays its own. It holds PATH
// (environ's, the rules' default when it has none); HOME, USER and LOGNAME
// of the supervisor's own user (self, a passwd lookup; environ's when it
// fails); the locale, LANG, LANGUAGE and LC_*, as systemd passes its
// locale to services; and the rules' system variables (on Windows, those
// programs need to run at all, such as SystemRoot, TEMP and USERPROFILE).
// TZ is not passed (systemd does not either: the system's time zone is
// /etc/localtime).
func baseEnv(environ []string, self func() ([]string, error), rules envRules) []string {
	same := func(a, b string) bool { return a == b || rules.foldCase && strings.EqualFold(a, b) }
	get := func(key string) (string, bool) {
		for _, kv := range slices.Backward(environ) {
			if k, v, _ := strings.Cut(kv, "="); same(k, key) {
				return v, true
			}
		}
		return "", false
	}
	var env []string
	if path, ok := get("PATH"); ok && path != "" {
		env = append(env, "PATH="+path)
	} else if rules.defaultPath != "" {
		env = append(env, "PATH="+rules.defaultPath)
	}
	if vars, err := self(); err == nil {
		// Not SHELL: as under systemd, only a service with User= gets one.
		env = append(env, slices.DeleteFunc(vars, func(kv string) bool { return strings.HasPrefix(kv, "SHELL=") })...)
	} else {
		for _, k := range []string{"HOME", "USER", "LOGNAME"} {
			if v, ok := get(k); ok {
				env = append(env, k+"="+v)
			}
		}
	}
	for _, k := range rules.system {
		if v, ok := get(k); ok {
			env = append(env, k+"="+v)
		}
	}
	var locale []string
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		if k == "LANG" || k == "LANGUAGE" || strings.HasPrefix(k, "LC_") {
			locale = append(locale, kv)
		}
	}
	return mergeEnv(env, locale)
}

// childBaseEnv is baseEnv for this process: its environment, and the
// passwd entry of the user it runs as.
func childBaseEnv() []string {
	return baseEnv(os.Environ(), func() ([]string, error) {
		return process.UserEnv(strconv.Itoa(os.Getuid()))
	}, childEnvRules())
}

// logDuration is d for a log record: "infinity" for config.Infinity, which
// would print as 2562047h47m16.854775807s.
func logDuration(d time.Duration) any {
	if d == config.Infinity {
		return "infinity"
	}
	return d
}
