package actors

import (
	"sync/atomic"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/supers-dev/supers/actors/process"
	"github.com/supers-dev/supers/actors/runstate"
	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/logsink"
	"github.com/supers-dev/supers/transport"
)

// This file lists the messages the actors exchange. Each actor's protocol is
// a closed set: messages are immutable values (pointers are never mutated
// after sending) and never carry *exec.Cmd, mutexes or shared maps. The
// one exception is a message an actor sends itself: the log sink actor's
// sinkOp (actors/logs.go), which it shares, under a mutex, with the
// goroutine that opens or closes a Sink for it; and a signalService
// carries an atomic flag that its answerer takes (see claim). Replies
// to callers outside the actor system travel on a buffered channel carried in
// the request, so no actor ever blocks on a caller and no protoactor future is
// needed on the control path.

// result is the answer to one service command or query.
type result struct {
	status transport.ServiceStatus
	err    error
}

// replyTo is a one-shot reply channel; it must have a buffer of at least 1 so
// that answering never blocks the actor.
type replyTo chan<- result

func (r replyTo) send(st transport.ServiceStatus, err error) {
	if r != nil {
		r <- result{status: st, err: err}
	}
}

// trySend sends the answer unless r's buffer holds one already: for a
// reply that may have been answered before a bug cut its handling short
// (every reply channel holds one answer; a second send would block).
func (r replyTo) trySend(st transport.ServiceStatus, err error) {
	if r == nil {
		return
	}
	select {
	case r <- result{status: st, err: err}:
	default:
	}
}

// command is implemented by the requests the services supervisor routes to
// one service actor.
type command interface {
	service() string
	fail(err error)
}

// startService asks a service to start its process (no-op when running).
type startService struct {
	name  string
	reply replyTo
	// seq numbers the starts and restarts the services supervisor
	// delivered to the service actor (see serviceEntry.sent).
	seq uint64
	// was is the supervision state the services supervisor cleared to
	// deliver the start: backoff, whose pending restart the start brings
	// forward (and counts as); "" when there was none.
	was string
}

// stopService asks a service to stop its process group gracefully.
type stopService struct {
	name  string
	reply replyTo
	// was is the supervision state (backoff, fatal) the services
	// supervisor cleared to deliver the stop, which the child's own state
	// does not show; "" when there was none.
	was string
}

// restartService asks a service to stop (if running) and start again.
type restartService struct {
	name  string
	reply replyTo
	seq   uint64 // as startService.seq
	// was is the supervision state (backoff, fatal) the services
	// supervisor cleared to deliver the restart; "" when there was none.
	was string
}

// signalService asks a service to send a signal to its process group.
// signal is canonical ("SIGHUP"), checked by the sender.
type signalService struct {
	name   string
	signal string
	reply  replyTo
	// answered is set by whoever answers m (see claim): the service
	// actor, or the services supervisor when the process m was meant for
	// ended before the service actor got to it.
	answered atomic.Bool
}

// claim reports whether the caller is the one to answer m, and to send
// its signal: the first to ask. The services supervisor answers the
// signals waiting in a service actor's mailbox when its process fails
// (they would wait for the backoff, and must not reach the next process);
// the service actor then skips them.
func (m *signalService) claim() bool { return m.answered.CompareAndSwap(false, true) }

func (m *signalService) service() string { return m.name }
func (m *signalService) fail(err error) {
	if m.claim() {
		m.reply.send(transport.ServiceStatus{}, err)
	}
}
func (m *startService) service() string   { return m.name }
func (m *stopService) service() string    { return m.name }
func (m *restartService) service() string { return m.name }
func (m *startService) fail(err error)    { m.reply.send(transport.ServiceStatus{}, err) }
func (m *stopService) fail(err error)     { m.reply.send(transport.ServiceStatus{}, err) }
func (m *restartService) fail(err error)  { m.reply.send(transport.ServiceStatus{}, err) }

// statusQuery asks the services supervisor for one service's status. The
// supervisor answers from its cache of statusChanged notices, so it can
// answer even while a service actor is busy or suspended.
type statusQuery struct {
	name  string
	reply replyTo
}

// listQuery asks the services supervisor for every service's status.
type listQuery struct {
	reply chan<- []transport.ServiceStatus
}

// addServices asks the services supervisor to create one service actor per
// spec (their log sinks are opened first, through the log sink actor).
// done receives nil, or the joined errors of the services that could not be
// created.
type addServices struct {
	specs []*config.Service
	done  chan<- error
	// settled, if not nil, is sent to the config actor once every service
	// is created or failed (see applyConfig.then).
	settled settledFunc
	// then are commands to route once every service is created.
	then []command
	// wantRunning, when not nil, says which services start once created,
	// instead of their AutoStart=: for services re-created by a reload, as
	// they were; for one loaded on demand, none (its command starts it).
	wantRunning map[string]bool
}

// shutdownBegun is sent by Supervisor.Run to the services supervisor first
// thing once it has decided to shut down, before it says so and before its
// listeners close: from then on no service is created (a reload's
// re-creation whose old process ended meanwhile, an on-demand load, an
// addition), nor restarted, and the commands that would start one are
// refused (errShuttingDown). stopAll, sent later, stops the services. A
// service the services supervisor created just before it handles this
// message still starts its process: its actor starts it on its own.
type shutdownBegun struct{}

// stopAll makes the services supervisor refuse new starts and stop every
// service in parallel; done is closed once all of them report stopped and
// each has handled the stop (stopHandled), its stop event published.
type stopAll struct {
	done chan<- struct{}
}

// statusChanged is sent by a service actor to its parent each time its
// status changes, before it answers the command that caused the change.
type statusChanged struct {
	status transport.ServiceStatus
	gen    uint64     // the generation of the service's current or last process
	from   *actor.PID // the service actor that sent it
}

// processExited is sent by the reaper callback when the process of
// generation gen has ended.
type processExited struct {
	gen  uint64
	exit process.Exit
	// stuck marks the exit a stop assumes of a process still there after
	// its SIGKILL (handleKillWaitOver): the process has not exited yet.
	stuck bool
}

// stopTimedOut fires when the process of generation gen did not exit within
// TimeoutStopSec after its KillSignal.
type stopTimedOut struct {
	gen uint64
}

// killAll makes the services supervisor have every service with a process
// SIGKILL it at once (killNow): superd's shutdown has waited as long as it
// may. done is closed once none has a process.
type killAll struct {
	done chan<- struct{}
}

// killNow has a service actor SIGKILL its process group, and the processes
// that left it, as when its stop times out, whatever its TimeoutStopSec.
type killNow struct{}

// retire has a service actor being removed stop itself, once it has
// stopped its process. It is a user message, behind whatever was sent to
// the actor before it (a signal the services supervisor forwarded gets its
// answer): the actor's Stop, a system message, would overtake them, and
// protoactor drops the user messages of a stopped actor unanswered.
type retire struct{}

// openSink asks the log sink actor to open the log files of one service;
// it answers the sender with sinkOpened.
type openSink struct {
	spec *config.Service
}

// sinkOpened answers openSink.
type sinkOpened struct {
	spec *config.Service
	sink pipeSource
	err  error
}

// closeSink asks the log sink actor to close a service's log files.
type closeSink struct {
	name string
}

// sinkError reports a failure of a service's log writer (rate-limited by the
// sink itself) to the log sink actor, which logs it.
type sinkError struct {
	name   string
	stream logsink.Stream
	err    error
	rep    *sinkReports // the Sink's record
}

// restartDue fires when a service's backoff delay (or fatal cooldown) is
// over; it is stale unless epoch still matches the service's entry.
type restartDue struct {
	name  string
	epoch uint64
}

// processStarted tells the state actor that a service runs a new process.
type processStarted struct {
	record runstate.Record
}

// processEnded tells the state actor that a service's process is gone.
type processEnded struct {
	service string
}

// operatorIntent tells the state actor that the operator stopped (or
// started again) a service, so that the intent survives a superd restart.
type operatorIntent struct {
	service string
	stopped bool
}

// reloadOutcome answers reloadConfig.
type reloadOutcome struct {
	result transport.ReloadResult
	err    error
	// A check's (dryRun) only: the services whose files are valid, and
	// their check against this machine (nil if none can be made), which
	// the caller runs (see checkServicesHost): its looks at the files may
	// wait for a file system, which this actor must not.
	valid     []*config.Service
	hostCheck func(*config.Service) error
}

// reloadConfig asks the config actor to scan the config dir and apply the
// difference (or, with dryRun, only to validate it).
type reloadConfig struct {
	dryRun bool
	reply  chan<- reloadOutcome
}

// configErrorsQuery asks the config actor for the file errors of its last
// scan.
type configErrorsQuery struct {
	reply chan<- []error
}

// applyConfig is the difference a reload found, for the services
// supervisor to apply: added services are created (and started with
// AutoStart), removed ones stopped gracefully and forgotten, changed ones
// stopped and created again with their new configuration (started again
// if they were wanted running).
type applyConfig struct {
	added   []*config.Service
	removed []string
	changed []*config.Service
	// then, if not nil, runs in the config actor (through addsSettled)
	// once every service of added is created, or could not be: those are
	// in failed, with the reason.
	then settledFunc
}

// settledFunc is what the config actor does once the services an
// applyConfig added are created (failed: those that could not be).
type settledFunc func(ctx actor.Context, failed map[string]error)

// addsSettled tells the config actor that the creations of an applyConfig
// are over; it runs then with failed.
type addsSettled struct {
	then   settledFunc
	failed map[string]error
}

// unknownCommand hands a start or restart of a name the services
// supervisor does not know to the config actor, which may load it.
type unknownCommand struct {
	cmd  command
	hops int
}

// routeAgain hands a command back to the services supervisor after the
// config actor made sure the service exists.
type routeAgain struct {
	cmd  command
	hops int
}

// addFailed tells the config actor that the service of spec, which it
// loaded, could not be created, and why.
type addFailed struct {
	spec *config.Service
	err  error
}

// staleQuery asks the config actor which services' files changed on disk
// since they were loaded: those named, or all of them when names is nil.
type staleQuery struct {
	names []string
	reply chan<- map[string]bool
}
