package actors

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/supers-dev/supers/actors/process"
	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/logsink"
	"github.com/supers-dev/supers/transport"
)

// Service states reported in status.
const (
	StateStopped    = "stopped"
	StateStarting   = "starting"
	StateRunning    = "running"
	StateStopping   = "stopping"
	StateExited     = "exited"
	StateExecFailed = "exec-failed"
)

// ErrStartFailed wraps the error of a start whose program could not be
// executed (missing binary, bad WorkingDirectory, unknown User...).
var ErrStartFailed = errors.New("start failed")

// starter is the part of the process layer a service actor needs.
type starter interface {
	Start(spec process.Spec, onExit func(process.Exit)) (process.Handle, error)
}

// serviceDeps is what a service actor is given by its parent. It is shared
// by all services and immutable.
type serviceDeps struct {
	procs  starter
	logger *slog.Logger
	env    []string // superd's own environment, the base of every child's
	now    func() time.Time
}

// serviceActor owns one service and at most one OS process. Everything here
// is touched only from the actor's Receive: start, stop, restart and the
// process-exit notice are all messages, so they are serialised.
type serviceActor struct {
	spec *config.Service
	sink *logsink.Sink
	deps *serviceDeps
	log  *slog.Logger

	state     string
	gen       uint64 // generation of the current (or last) process
	handle    process.Handle
	startedAt time.Time
	restarts  int
	lastExit  *transport.ExitInfo
	lastErr   string

	// stop in progress (state == stopping)
	killTimer *time.Timer
	killed    bool
	// continuations run once the process has exited during a stop
	afterStop []func(actor.Context)
}

func newServiceActor(spec *config.Service, sink *logsink.Sink, deps *serviceDeps) *serviceActor {
	return &serviceActor{
		spec:  spec,
		sink:  sink,
		deps:  deps,
		log:   deps.logger.With("service", spec.Name),
		state: StateStopped,
	}
}

// Receive implements actor.Actor.
func (a *serviceActor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		// The first notice tells the parent that this service is set up
		// (and, with AutoStart, that its first start has been attempted).
		// start notifies in every case.
		if a.spec.AutoStart {
			_ = a.start(ctx)
		} else {
			a.notify(ctx)
		}
	case *startService:
		a.handleStart(ctx, m.reply)
	case *stopService:
		a.handleStop(ctx, m.reply)
	case *restartService:
		a.handleRestart(ctx, m.reply)
	case *processExited:
		a.handleExit(ctx, m)
	case *stopTimedOut:
		a.handleStopTimeout(m)
	case *actor.Stopping:
		a.cleanup()
	case *actor.Restarting:
		a.cleanup()
	}
}

func (a *serviceActor) handleStart(ctx actor.Context, reply replyTo) {
	switch a.state {
	case StateRunning, StateStarting:
		reply.send(a.status(), nil)
	case StateStopping:
		// Start once the stop completes, instead of refusing.
		a.afterStop = append(a.afterStop, func(ctx actor.Context) {
			err := a.start(ctx)
			reply.send(a.status(), err)
		})
	default:
		err := a.start(ctx)
		reply.send(a.status(), err)
	}
}

func (a *serviceActor) handleStop(ctx actor.Context, reply replyTo) {
	switch a.state {
	case StateRunning, StateStarting:
		a.beginStop(ctx)
		fallthrough
	case StateStopping:
		a.afterStop = append(a.afterStop, func(actor.Context) { reply.send(a.status(), nil) })
	default:
		if a.state != StateStopped {
			a.state = StateStopped
			a.notify(ctx)
		}
		reply.send(a.status(), nil)
	}
}

func (a *serviceActor) handleRestart(ctx actor.Context, reply replyTo) {
	switch a.state {
	case StateRunning, StateStarting:
		a.beginStop(ctx)
		fallthrough
	case StateStopping:
		a.afterStop = append(a.afterStop, func(ctx actor.Context) {
			err := a.start(ctx)
			if err == nil {
				a.restarts++
				a.notify(ctx)
			}
			reply.send(a.status(), err)
		})
	default:
		err := a.start(ctx)
		reply.send(a.status(), err)
	}
}

// start launches a new process generation. The caller has checked that no
// process is running.
func (a *serviceActor) start(ctx actor.Context) error {
	stdout, stderr, err := a.sink.Pipes()
	if err != nil {
		return a.execFailed(ctx, fmt.Errorf("%w: %s: log pipes: %w", ErrStartFailed, a.spec.Name, err))
	}
	a.gen++
	gen, self, root := a.gen, ctx.Self(), ctx.ActorSystem().Root
	h, err := a.deps.procs.Start(process.Spec{
		Argv:   a.spec.ExecStart,
		Dir:    a.spec.WorkingDirectory,
		Env:    mergeEnv(a.deps.env, a.spec.Environment),
		User:   a.spec.User,
		Group:  a.spec.Group,
		Stdout: stdout,
		Stderr: stderr,
	}, func(e process.Exit) {
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
	a.state = StateRunning
	a.startedAt = a.deps.now()
	a.lastErr = ""
	a.killed = false
	a.log.Info("process started", "pid", h.PID, "argv", a.spec.ExecStart)
	a.notify(ctx)
	return nil
}

func (a *serviceActor) execFailed(ctx actor.Context, err error) error {
	a.state = StateExecFailed
	a.lastErr = err.Error()
	a.handle = process.Handle{}
	a.log.Error("process could not be started", "err", err)
	a.notify(ctx)
	return err
}

// beginStop sends KillSignal to the process group and arms the SIGKILL timer.
func (a *serviceActor) beginStop(ctx actor.Context) {
	a.state = StateStopping
	a.log.Info("stopping", "pid", a.handle.PID, "signal", a.spec.KillSignal, "timeout", a.spec.TimeoutStopSec)
	if err := process.SignalGroup(a.handle.PGID, a.spec.KillSignal); err != nil && !errors.Is(err, process.ErrNoProcess) {
		a.log.Warn("signal failed", "pid", a.handle.PID, "signal", a.spec.KillSignal, "err", err)
	}
	if d := a.spec.TimeoutStopSec; d > 0 && d < maxTimer {
		gen, self, root := a.gen, ctx.Self(), ctx.ActorSystem().Root
		a.killTimer = time.AfterFunc(d, func() { root.Send(self, &stopTimedOut{gen: gen}) })
	}
	a.notify(ctx)
}

// maxTimer bounds TimeoutStopSec values treated as "never SIGKILL" (infinity).
const maxTimer = 100 * 365 * 24 * time.Hour

func (a *serviceActor) handleStopTimeout(m *stopTimedOut) {
	if m.gen != a.gen || a.state != StateStopping {
		return // stale timer of an older generation
	}
	a.killed = true
	a.log.Warn("stop timed out, killing process group", "pid", a.handle.PID, "timeout", a.spec.TimeoutStopSec)
	if err := process.SignalGroup(a.handle.PGID, "SIGKILL"); err != nil && !errors.Is(err, process.ErrNoProcess) {
		a.log.Warn("SIGKILL failed", "pid", a.handle.PID, "err", err)
	}
}

func (a *serviceActor) handleExit(ctx actor.Context, m *processExited) {
	if m.gen != a.gen || (a.state != StateRunning && a.state != StateStopping && a.state != StateStarting) {
		return // a stale notice about an older generation
	}
	expected := a.state == StateStopping
	if a.killTimer != nil {
		a.killTimer.Stop()
		a.killTimer = nil
	}
	// Whatever the main process left in its group (background grandchildren)
	// dies with it: a supervised service is its whole process group.
	if err := process.SignalGroup(a.handle.PGID, "SIGKILL"); err != nil && !errors.Is(err, process.ErrNoProcess) {
		a.log.Debug("cleanup of process group failed", "pgid", a.handle.PGID, "err", err)
	}
	a.lastExit = exitInfo(m.exit, expected)
	a.handle = process.Handle{}
	attrs := []any{"pid", m.exit.PID, "status", m.exit.String(), "uptime", m.exit.Time.Sub(a.startedAt).Round(time.Millisecond)}
	if expected {
		a.state = StateStopped
		if a.killed {
			attrs = append(attrs, "killed", true)
		}
		a.log.Info("process stopped", attrs...)
	} else {
		a.state = StateExited
		a.log.Warn("process exited", attrs...)
	}
	a.notify(ctx)
	conts := a.afterStop
	a.afterStop = nil
	for _, f := range conts {
		f(ctx)
	}
}

// cleanup runs when the actor stops or restarts. It must never panic (a
// panic in Stopping turns the stop into a restart) and never block. A
// process still alive at this point is killed: an actor that goes away
// leaves nothing behind.
func (a *serviceActor) cleanup() {
	defer func() {
		if r := recover(); r != nil {
			a.log.Error("panic during service cleanup", "panic", r)
		}
	}()
	if a.killTimer != nil {
		a.killTimer.Stop()
		a.killTimer = nil
	}
	if a.handle.PGID > 0 {
		_ = process.SignalGroup(a.handle.PGID, "SIGKILL")
	}
}

// notify tells the parent the current status.
func (a *serviceActor) notify(ctx actor.Context) {
	if p := ctx.Parent(); p != nil {
		ctx.Send(p, &statusChanged{status: a.status()})
	}
}

func (a *serviceActor) status() transport.ServiceStatus {
	st := transport.ServiceStatus{
		Name:        a.spec.Name,
		State:       a.state,
		PID:         a.handle.PID,
		Description: a.spec.Description,
		Restarts:    a.restarts,
		LastExit:    a.lastExit,
		Error:       a.lastErr,
	}
	if a.handle.PID != 0 {
		t := a.startedAt
		st.StartedAt = &t
	}
	return st
}

func exitInfo(e process.Exit, expected bool) *transport.ExitInfo {
	info := &transport.ExitInfo{Signal: e.Signal, Time: e.Time, Expected: expected}
	if e.Signal == "" {
		code := e.Code
		info.Code = &code
	}
	return info
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

// environ is superd's own environment, the base of every child's.
func environ() []string { return os.Environ() }
