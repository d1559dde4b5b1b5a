package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"
)

// Service states reported in [ServiceStatus.State]. Later versions may add
// more; clients must treat unknown states as "not running".
const (
	StateStopped    = "stopped"
	StateStarting   = "starting"
	StateRunning    = "running"
	StateStopping   = "stopping"
	StateExited     = "exited"      // ended and not restarted
	StateExecFailed = "exec-failed" // the program could not be executed
	StateBackoff    = "backoff"     // waiting to be restarted (see NextAttemptMS)
	StateFatal      = "fatal"       // restarting gave up (see Error)
)

// ServiceStatus is the state of one service as reported by superd.
type ServiceStatus struct {
	// Name is the service name (the file name without ".service").
	Name string `json:"name"`
	// State is one of the State* constants.
	State string `json:"state"`
	// PID is the main process id, 0 when no process is running.
	PID int `json:"pid"`
	// Description is the service's Description=.
	Description string `json:"description"`
	// StartedAt is when the current process started; nil when not running.
	StartedAt *time.Time `json:"started_at,omitempty"`
	// UptimeSeconds is how long the current process has been running, as
	// measured by superd when it answered; 0 when not running.
	UptimeSeconds float64 `json:"uptime_seconds"`
	// Restarts counts, since superd started or the service was defined,
	// the automatic restarts (after an exit, per Restart=) and the restarts
	// asked for (supers restart), as PM2's restart count does; a start of
	// a service in backoff counts as the restart it brings forward, a start
	// of a stopped or given-up service is not a restart, nor is an
	// automatic restart that a stop cancelled. A change of the service's
	// definition (a reload, the API) keeps the count.
	Restarts int `json:"restarts"`
	// LastExit describes how the previous process ended; nil if none did.
	LastExit *ExitInfo `json:"last_exit"`
	// Error explains why the last start failed (e.g. the exec error).
	Error string `json:"error,omitempty"`
	// NextAttemptMS is reserved for automatic restarts: milliseconds until the
	// next start attempt while backing off.
	NextAttemptMS int64 `json:"next_attempt_ms,omitempty"`
	// ConfigChanged is true when the service's file changed on disk since
	// superd loaded it (a comment-only edit too): a reload applies the
	// change, if the parsed configuration differs. It is false while the
	// configuration directory cannot be loaded (missing, say), and for a
	// file the ownership rule refuses: GET /v1/config/errors says why.
	ConfigChanged bool `json:"config_changed,omitempty"`
	// LogDroppedBytes is the output of the service (stdout and stderr
	// together) that could not be written to its log files and was
	// dropped, since they were last opened (superd's start, or the
	// service's creation or change); absent when none was. The log-error
	// events tell when and why.
	LogDroppedBytes uint64 `json:"log_dropped_bytes,omitempty"`
}

// ServiceUsage is what the processes of one running service use now (GET
// /v1/usage): those of its process group, which its main process leads.
// Processes that left the group (a daemon that called setsid) are not
// counted.
type ServiceUsage struct {
	// Name is the service name.
	Name string `json:"name"`
	// PID is the main process id, which is also the process group's.
	PID int `json:"pid"`
	// Processes counts the service's live processes: those of its main
	// process's group, its main process's descendants that left the group,
	// and the processes superd adopted that carry the service's marker in
	// their environment (a daemon that forked twice), with their
	// descendants.
	Processes int `json:"processes"`
	// MemoryBytes is the sum of their resident memory (RSS), in bytes.
	MemoryBytes uint64 `json:"memory_bytes"`
	// CPUSeconds is the user and system CPU time they have used so far,
	// with that of their children that ended and that they waited for (a
	// shell's commands); not that of orphans, which superd reaps, nor that
	// of the service's earlier processes.
	CPUSeconds float64 `json:"cpu_seconds"`
}

// UsageBackend is implemented by a [Backend] that can tell what the
// processes of its services use; the handler serves GET /v1/usage only for
// one (501 otherwise).
type UsageBackend interface {
	// Usage returns the usage of every running service, sorted by name.
	// Where the system gives no such figures, the error wraps
	// [errors.ErrUnsupported].
	Usage(ctx context.Context) ([]ServiceUsage, error)
}

// ExitInfo describes how a process ended: with an exit code or killed by a
// signal.
type ExitInfo struct {
	// Code is the exit status; nil when the process was killed by a signal.
	Code *int `json:"code,omitempty"`
	// Signal is the canonical name of the killing signal ("SIGKILL"), empty
	// when the process exited by itself.
	Signal string `json:"signal,omitempty"`
	// CoreDumped is true when the killing signal dumped core: such an end
	// is a crash, even for a signal listed in SuccessExitStatus= (as in
	// systemd).
	CoreDumped bool `json:"core_dumped,omitempty"`
	// Time is when superd noticed the exit.
	Time time.Time `json:"time"`
	// Expected is true when superd caused the exit (a stop or restart).
	Expected bool `json:"expected"`
}

// String describes the exit as "exit 3", "signal SIGKILL" or "signal
// SIGSEGV (core dumped)". A nil *ExitInfo yields "".
func (e *ExitInfo) String() string {
	switch {
	case e == nil:
		return ""
	case e.Signal != "" && e.CoreDumped:
		return "signal " + e.Signal + " (core dumped)"
	case e.Signal != "":
		return "signal " + e.Signal
	case e.Code != nil:
		return fmt.Sprintf("exit %d", *e.Code)
	default:
		return "exit unknown"
	}
}

// VersionInfo is the answer to GET /v1/version.
type VersionInfo struct {
	// Version is superd's version string.
	Version string `json:"version"`
	// GoVersion is the Go release superd was built with.
	GoVersion string `json:"go_version"`
}

// ConfigError is one service file superd could not load, or (with Dir)
// why its configuration directory cannot be loaded at all.
type ConfigError struct {
	// File is the path of the service file; with Dir, of the directory.
	File string `json:"file"`
	// Dir is true when the problem is the configuration directory itself
	// (missing, not a directory, unreadable, or writable by another user):
	// the services keep the configuration last loaded, and a reload fails
	// until the directory can be loaded again. Only GET /v1/config/errors
	// answers such an entry (a reload or check answers 503 instead).
	Dir bool `json:"dir,omitempty"`
	// Line is the 1-based line the problem is on; 0 when it is not about a
	// line (e.g. the file could not be read).
	Line int `json:"line,omitempty"`
	// Message is the full error text; it already names the file, the line
	// and the key.
	Message string `json:"message"`
}

// ConfigErrors is the answer to GET /v1/config/errors and to POST
// /v1/config/check.
type ConfigErrors struct {
	// Errors lists the files that failed to load; an empty array (never
	// null) when every file loaded.
	Errors []ConfigError `json:"errors"`
}

// ReloadResult is the answer to POST /v1/reload: what one reload did. The
// four name lists are sorted and, like Errors, never null: [] when empty.
type ReloadResult struct {
	// Added lists the services whose file appeared: they were created (and
	// started if AutoStart= says so).
	Added []string `json:"added"`
	// Removed lists the services whose file disappeared: they were stopped
	// and removed.
	Removed []string `json:"removed"`
	// Changed lists the services whose configuration changed: they now run
	// with the new one.
	Changed []string `json:"changed"`
	// Unchanged lists the services whose configuration is the same; a
	// service whose file failed to load is in Errors instead.
	Unchanged []string `json:"unchanged"`
	// Errors lists the files that failed to parse or validate: their
	// services keep running on their previous configuration (or are not
	// created).
	Errors []ConfigError `json:"errors"`
	// Warnings lists what the reload could not apply although nothing is
	// wrong with it, such as [Daemon] settings of superd.conf, which take
	// effect when superd restarts, and what it did that the operator must
	// know of, such as the webhooks removed with a superd.conf gone.
	Warnings []string `json:"warnings"`
	// WebhooksReloaded reports that the webhooks of superd.conf changed and
	// were replaced by the ones it now defines (none, if it is gone: a
	// warning then names those removed).
	WebhooksReloaded bool `json:"webhooks_reloaded"`
}

// normalized returns r as it goes on the wire: the four name lists sorted,
// every nil list (warnings included) replaced by an empty one. r's slices
// are not modified.
func (r ReloadResult) normalized() ReloadResult {
	errs := r.Errors
	if errs == nil {
		errs = []ConfigError{}
	}
	return ReloadResult{
		Added:     sortedNames(r.Added),
		Removed:   sortedNames(r.Removed),
		Changed:   sortedNames(r.Changed),
		Unchanged: sortedNames(r.Unchanged),
		Errors:    errs,
		Warnings:  append([]string{}, r.Warnings...),

		WebhooksReloaded: r.WebhooksReloaded,
	}
}

// sortedNames returns a sorted copy of names, never nil.
func sortedNames(names []string) []string {
	out := make([]string, len(names))
	copy(out, names)
	slices.Sort(out)
	return out
}

// The log streams of a service, for [LogQuery.Stream].
const (
	StreamStdout = "stdout"
	StreamStderr = "stderr"
)

// DefaultLogTail is how many past lines GET /v1/services/{name}/logs sends
// when the request has no tail parameter, as tail(1) does.
const DefaultLogTail = 10

// LogQuery says which part of a service's log output [Backend.Logs]
// returns. On the wire it is the query string of GET
// /v1/services/{name}/logs: stream=stdout|stderr, tail=N|all, follow=BOOL.
type LogQuery struct {
	// Stream is the output to read: [StreamStdout] or [StreamStderr]. The
	// handler always passes one of the two; "" means stdout on the wire.
	Stream string
	// Tail is how many of the stream's last lines come first, from its
	// live file and, when that holds fewer, its rotated files; a negative
	// Tail means every rotated file kept, oldest first, then the live file
	// ("tail=all" on the wire). The handler uses [DefaultLogTail] when the request has no
	// tail. Note that a [Client] sends Tail as is: 0 asks for no past line.
	Tail int
	// Follow keeps the answer open after the tail: whatever is written
	// next is sent as it comes, across rotations, until the request ends.
	Follow bool
}

// SignalRequest is the JSON body of POST /v1/services/{name}/signal.
type SignalRequest struct {
	// Signal is a signal name, with or without the SIG prefix and in any
	// case ("HUP", "sigusr1"), or a signal number ("9").
	Signal string `json:"signal"`
}

// ErrorBody is the JSON body of every error answer.
type ErrorBody struct {
	// Error is a human-readable message.
	Error string `json:"error"`
	// Errors, in the answer to an invalid definition (PUT
	// /v1/services/{name}/definition), lists its problems with file, line
	// and key.
	Errors []ConfigError `json:"errors,omitempty"`
	// Code tells the causes of a 503 apart: [CodeConfigUnavailable] or
	// [CodeUnavailable]. Empty for other statuses.
	Code string `json:"code,omitempty"`
}

// The codes of a 503's ErrorBody.
const (
	// CodeConfigUnavailable: the configuration directory cannot be read or
	// used ([ErrConfigUnavailable]); superd serves requests.
	CodeConfigUnavailable = "config_unavailable"
	// CodeUnavailable: superd is not serving the request: it is shutting
	// down, or the control socket has no connection left for users other
	// than root and superd's own ([ErrUnavailable]).
	CodeUnavailable = "unavailable"
)

// TooManyConnections is the message (ErrorBody.Error) of the control
// socket's 503 to a connection of a user other than root and superd's own
// when the connections kept for those users are all taken (code
// [CodeUnavailable]). Unlike the other 503s, it says nothing of superd's
// state: superd is serving, and the same request may succeed once a
// connection is free.
const TooManyConnections = "too many connections of users other than root and superd's own; try again later"

// Backend is what the handler serves: the supervisor. Every method must
// honour ctx (it is the request's context, canceled when the client goes
// away) and report failures by wrapping one of the sentinel errors below
// with %w where one applies, e.g.
//
//	fmt.Errorf("%w %q", transport.ErrUnknownService, name)
type Backend interface {
	// List returns the status of every configured service.
	List(ctx context.Context) ([]ServiceStatus, error)
	// Status returns the status of one service.
	Status(ctx context.Context, name string) (ServiceStatus, error)
	// Start starts a service and returns once its process runs (or failed
	// to exec).
	Start(ctx context.Context, name string) (ServiceStatus, error)
	// Stop stops a service and returns once its process group is gone.
	Stop(ctx context.Context, name string) (ServiceStatus, error)
	// Restart stops the service if it runs, then starts it.
	Restart(ctx context.Context, name string) (ServiceStatus, error)
	// ConfigErrors returns the service files that failed to load at start
	// or at the last reload, and the services whose file loaded but that
	// could not be created, until they are; none when every file loaded
	// and every service was created.
	ConfigErrors(ctx context.Context) ([]ConfigError, error)
	// Reload rereads the configuration directory and applies what changed.
	// A file that fails to load is reported in ReloadResult.Errors, not as
	// an error. When the directory itself cannot be read, Reload changes
	// nothing and returns an error wrapping ErrConfigUnavailable.
	Reload(ctx context.Context) (ReloadResult, error)
	// CheckConfig validates every file of the configuration directory and
	// applies nothing. It returns the files that fail (none when all are
	// valid), or an error wrapping ErrConfigUnavailable when the directory
	// cannot be read.
	CheckConfig(ctx context.Context) ([]ConfigError, error)
	// Events returns the recent events (the bounded history, oldest first)
	// about service, or about every service when service is "", and with
	// follow a channel of the events that come next (see [EventStream]).
	// "About service" is meant as notify.Filter{Services: {service}}
	// matches: a reload listing the service is about it, and so is a
	// config-error with no service (superd.conf, the config dir, a file
	// whose name is not a valid service name). An invalid service name is
	// an error wrapping ErrInvalidArgument; a valid name no service has
	// matches only those config-errors.
	Events(ctx context.Context, service string, follow bool) (EventStream, error)
	// Signal sends sig to the service's process group and returns the
	// service's status. sig is a signal name with or without the SIG
	// prefix, in any case ("HUP", "SIGUSR1"), or a number. An unknown
	// signal is an error wrapping ErrInvalidArgument; a service that is not
	// running, one wrapping ErrConflict.
	Signal(ctx context.Context, name, sig string) (ServiceStatus, error)
	// Logs returns the service's log output as q says: the last q.Tail
	// lines of the stream's live file (all of it when q.Tail < 0), then,
	// with q.Follow, whatever is written next, across rotations, until the
	// backend ends it (superd at shutdown, once the services' last output
	// is read) or ctx ends; the reader then returns io.EOF. A Read blocked
	// waiting for output must return when ctx ends. The handler ends the
	// answer at the reader's io.EOF, and cuts it if ctx ended first
	// (superd's shutdown past its grace, behind a slow client), whatever
	// the reader then returns: a client then knows it did not get all. The
	// handler closes the reader once it is done with it, whether or not it
	// reached the end. An unknown service is an error wrapping
	// ErrUnknownService.
	Logs(ctx context.Context, name string, q LogQuery) (io.ReadCloser, error)
	// Definition returns the service file of a service, with its content
	// hash. A service without a file is an error wrapping
	// ErrUnknownService, or ErrConflict for one that the program embedding
	// the supervisor defines in Go (it has none to give); without a config
	// directory, an error wrapping ErrConfigUnavailable.
	Definition(ctx context.Context, name string) (Definition, error)
	// PutDefinition validates data as the service file of name, writes it
	// and applies it (create, restart if changed). An invalid definition is
	// an *InvalidDefinitionError and changes nothing; an If-Match mismatch
	// wraps ErrPreconditionFailed; a caller not allowed to edit gets an
	// error wrapping ErrForbidden. A definition written whose service
	// could not be created is an error wrapping ErrNotCreated, returned
	// with the result (its Hash that of the file written).
	PutDefinition(ctx context.Context, name string, data []byte, opts WriteOptions) (DefinitionResult, error)
	// DeleteDefinition stops and forgets a service and moves its file to
	// the trash; errors as for PutDefinition.
	DeleteDefinition(ctx context.Context, name string, opts WriteOptions) (DefinitionResult, error)
}

// Sentinel errors shared by both sides of the protocol. A [Backend] wraps
// them; the handler turns them into status codes; the [Client] turns the
// status codes back into errors that match them with [errors.Is].
var (
	// ErrUnknownService: no service has that name (HTTP 404).
	ErrUnknownService = errors.New("unknown service")
	// ErrInvalidArgument: the request makes no sense, e.g. a malformed
	// service name (HTTP 400).
	ErrInvalidArgument = errors.New("invalid argument")
	// ErrConflict: the request conflicts with the service's current state,
	// e.g. another operation is in progress (HTTP 409).
	ErrConflict = errors.New("conflict")
	// ErrConfigUnavailable: the configuration directory as a whole cannot
	// be read (missing, unreadable), superd has none, or the directory its
	// path names now (replaced) is held by another supervisor, so a
	// reload, a check or a request about a definition (cat, edit, rm)
	// could not even start; nothing was changed (HTTP 503, code
	// config_unavailable).
	ErrConfigUnavailable = errors.New("configuration unavailable")
	// ErrUnavailable: superd is not serving requests (it is shutting down,
	// or an embedding program's supervisor is not running), or the
	// control socket has no connection left for the caller's kind of user
	// (HTTP 503).
	ErrUnavailable = errors.New("superd is not running")
	// ErrTooManyConnections: the control socket has no connection left
	// for the caller's kind of user (its 503 with [TooManyConnections]);
	// such an error is ErrUnavailable too, but says nothing of superd's
	// state: the same request may succeed once a connection is free.
	ErrTooManyConnections = errors.New(TooManyConnections)
	// ErrUnauthorized: a TCP request without a valid bearer token (HTTP
	// 401).
	ErrUnauthorized = errors.New("unauthorized")
	// ErrForbidden: the peer of the Unix socket is not allowed to use it
	// (HTTP 403).
	ErrForbidden = errors.New("forbidden")
	// ErrDaemonRunning: [ListenUnix] found the socket's lock held by another
	// process.
	ErrDaemonRunning = errors.New("another superd is running")
	// ErrStartFailed: a start or restart was carried out but the service's
	// program could not be executed (a missing binary, a WorkingDirectory=
	// denied, an unknown User=). Its status comes with it: the API answers
	// 200 with that status, whose Error says why, and the [Client] returns
	// the status and an error wrapping ErrStartFailed.
	ErrStartFailed = errors.New("start failed")
	// ErrNotCreated: a definition was written (PUT), but its service could
	// not be created (its log directory refused, say). The write was
	// carried out: the API answers 200 with the [DefinitionResult], whose
	// Action is [ActionNotCreated] and whose Error says why, and the
	// [Client] returns the result and an error wrapping ErrNotCreated. A
	// start or a reload creates the service once the cause is fixed.
	ErrNotCreated = errors.New("service not created")
)
