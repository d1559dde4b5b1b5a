package actors

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/fsnotify/fsnotify"

	"github.com/supers-dev/supers/actors/process"
	"github.com/supers-dev/supers/actors/runstate"
	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/logsink"
	"github.com/supers-dev/supers/notify"
	"github.com/supers-dev/supers/transport"
)

// Config describes one supervisor. The zero value is not usable: at least
// LogDir, or ConfigDir (whose "logs" subdirectory is then the default log
// dir), must be set.
//
// A service's process does not inherit the environment of the program
// that runs the supervisor (a token in it stays there). It gets PATH (the
// program's; when it has none, systemd's default
// "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"); HOME,
// USER and LOGNAME of the service's User= (HOME=/ and the uid for a uid
// without a passwd entry), or of the program's own user; SHELL, with
// User= only, from the user's /etc/passwd entry; the locale
// variables of the program (LANG, LANGUAGE, LC_*); on Windows, the
// program's system variables that programs need (SystemRoot, TEMP, TMP,
// USERPROFILE, APPDATA, ProgramFiles, PATHEXT and the like; names compare
// without case there, and there is no default PATH); then the service's
// EnvironmentFile= and Environment=, which may override them all; and
// last SUPERD_MARKER, by which the supervisor finds the service's
// processes again, when StateFile or Subreaper is set. The program's
// variables among these (PATH, the locale, Windows' system variables) are
// read once, when Run starts: a later os.Setenv does not reach the
// services. It inherits the program's umask (unless its UMask= sets one): superd sets its own to
// 0022 (as systemd's UMask= default), an embedding program keeps its own.
//
// New makes the relative paths of Config absolute, against the current
// directory at that time: a later chdir of the program does not move them.
// A service without WorkingDirectory= is another matter: it runs in the
// program's current directory as it is at each of its starts.
type Config struct {
	// ConfigDir is the directory whose *.service files are loaded at start;
	// it must exist. Empty: no files are loaded (use Services). Its
	// superd.conf, if any, gives the webhooks ([Webhook] sections, reloaded
	// with the services) and must be valid, or Run fails; its [Daemon]
	// section is superd's: the supervisor takes none of its settings (this
	// Config gives them).
	ConfigDir string
	// Services are services defined in Go, added after those of ConfigDir.
	// Build them with config.New (or config.ParseFile); New validates a
	// copy of each (see config.Validate), so changing them afterwards
	// changes nothing. A reload of ConfigDir never touches them.
	// Their names must differ from one another; one whose name a file of
	// ConfigDir defines at start is not run (the file's service is), not
	// even once that file is removed, and the clash is in LoadErrors. A
	// file added later with the name of one that runs is refused at
	// reload (in the reload's errors and ConfigErrors), and the service
	// defined in Go keeps running.
	Services []*config.Service
	// LogDir holds one directory per service with its stdout.log and
	// stderr.log; missing directories are created (mode 0750). Default:
	// <ConfigDir>/logs.
	LogDir string
	// Socket is the path of the Unix control socket (mode 0660). Run creates
	// its directory, and the missing ones above it, with mode 0750 (given to
	// SocketGroup), locks Socket+".lock" beside it (a second supervisor
	// given the same path fails to start), and removes the socket when it
	// returns. Empty: no socket (an embedding program drives the
	// supervisor through its methods).
	Socket string
	// SocketGroup is a group name or numeric id whose members may use the
	// control socket besides root and the supervisor's own user: the socket
	// is given that group. Empty: none. New refuses it without Socket,
	// and, without SocketAllowRootServices, on a system where the socket
	// cannot tell its peers apart (see transport.PeerCredentialsSupported):
	// its members would be taken for root there.
	SocketGroup string
	// HTTP serves the control API on TCP too, when HTTP.Addr is set.
	HTTP HTTPConfig
	// Watch makes the supervisor reload by itself when a file of ConfigDir
	// changes (debounced), as superd --watch does.
	Watch bool
	// Subreaper makes the process a child subreaper that reaps every
	// orphaned descendant. Only for a program whose children are all
	// managed by this supervisor (superd); an embedding program that runs
	// other children of its own, or another Supervisor, must leave it off
	// (their exits would be reaped here, their statuses lost). Without
	// it, a stop that waits for the rest of a service's process group
	// (after its main process exited) also waits for whoever inherits
	// those processes to reap them. A program that runs as PID 1 (in a
	// container) inherits them itself: without Subreaper nobody reaps
	// them, and each such stop lasts more than the service's
	// TimeoutStopSec. A Supervisor that sets it must be the only one of
	// its process while it runs: Run fails, with an error wrapping
	// process.ErrSubreaperInUse, for it while another Supervisor runs, and
	// for any other while it runs. It also hands the process's disposition
	// of SIGPIPE to the supervisor, which starts each service's process
	// with SIGPIPE ignored or at its default action as its IgnoreSIGPIPE=
	// says (see process.Options.Subreaper); without it, the services get
	// the program's own disposition of SIGPIPE (a Go program's: the
	// default action, unless it calls signal.Ignore(syscall.SIGPIPE)).
	Subreaper bool
	// StateFile is where the supervisor records the process group of each
	// running service, the services the operator stopped and the services
	// with AutoStart=no the operator started. At start, the groups a
	// crashed predecessor left behind are killed (only when their
	// identity is proven: same boot, same start time), the services the
	// operator had stopped stay stopped, and those it had started start,
	// unless they ended for good since (a one-shot job that finished) or
	// the machine rebooted. Its directory must exist (Run
	// creates the file, mode 0600). Empty: no state is kept. Run
	// locks it (on Unix, with flock on StateFile+".lock"): a second
	// supervisor given the same file fails to start, rather than kill the
	// services of the first as left behind.
	StateFile string
	// Logger receives the supervisor's structured log. Default: discard.
	// Its handler is called by the actors themselves, at once: one that
	// blocks (writing to a pipe nobody reads, say) stalls the supervision
	// of the services until it returns, Ready and Run's shutdown included.
	// A program whose log output may block puts a bounded queue in front
	// of it that drops records rather than wait, as superd does for its
	// stderr.
	Logger *slog.Logger
	// Version is reported by the control API.
	Version string
	// AllowRemoteEdit lets clients of the HTTP API create, change and
	// delete service definitions (always with the token). Clients of the
	// Unix socket may always do so: the socket's access rules apply.
	AllowRemoteEdit bool
	// AllowRootServices lets a definition written over the HTTP API use
	// root's powers: run as root (User= of uid 0, or no User= when the
	// supervisor runs as root), in group 0 (Group=, or User='s primary or
	// supplementary groups), or, the supervisor being root, name an
	// EnvironmentFile= (which it reads as root). New refuses it without
	// AllowRemoteEdit, without which it would not apply.
	AllowRootServices bool
	// SocketAllowRootServices lets a definition written through the
	// control socket by a user other than root and the supervisor's own (a
	// member of SocketGroup) run as any user or group, as root's may.
	// Without it, such a definition must run as that user (User= its own,
	// Group= one of its groups, no EnvironmentFile= read as root): socket
	// access does not amount to root's powers. With it, it does, and a
	// definition written over HTTP may not run in SocketGroup either
	// (unless AllowRootServices). New refuses it without Socket and
	// SocketGroup, which it would not apply to.
	SocketAllowRootServices bool
	// ShutdownTimeout bounds how long Run waits, after its context is done,
	// for the services to stop; those still running are then killed.
	// Default: the longest finite TimeoutStopSec + 5s (a TimeoutStopSec of
	// config.Infinity does not count: Run would never return). New refuses
	// a negative one.
	ShutdownTimeout time.Duration
	// DaemonOverrides names the keys of superd.conf's [Daemon] section, as
	// spelled there ("SocketGroup", "HTTPTLSCertFile"), whose values the
	// program takes from elsewhere (superd: from its command-line flags):
	// CheckConfig does not judge them against the machine, since they do
	// not stop the program from starting, and a reload does not warn that
	// they changed since the start. New refuses a name that is not such a
	// key.
	DaemonOverrides []string
}

// staleStop returns how what a crashed superd left of each service is
// stopped before anything starts: as a stop command would stop it, with
// the KillSignal= and TimeoutStopSec= of its definition (in specs, the
// files, or else in Config.Services). A service without one (removed
// since, or whose file no longer loads) gets those its record of recs
// gives (what it was started with), else the defaults. A TimeoutStopSec=
// of infinity gets what it would get at superd's shutdown
// (ShutdownTimeout, by default the longest finite TimeoutStopSec= of specs
// plus shutdownGrace): superd's start waits for these processes, and
// must not wait forever.
func (s *Supervisor) staleStop(specs []*config.Service, recs []runstate.Record) runstate.StopPolicy {
	byName := make(map[string]*config.Service, len(specs)+len(s.cfg.Services))
	var longest time.Duration
	// A file's definition wins over Config.Services' (see addGoServices).
	for _, sp := range slices.Concat(s.cfg.Services, specs) {
		byName[sp.Name] = sp
		longest = longerStop(longest, sp)
	}
	// A record's stop, for a service not defined now: as a spec, so that
	// it goes through the same rules (infinity, the default).
	for _, r := range recs {
		if byName[r.Service] == nil && r.KillSignal != "" {
			sp := &config.Service{Name: r.Service, KillSignal: r.KillSignal, TimeoutStopSec: r.TimeoutStop}
			if r.TimeoutStop == 0 {
				sp.TimeoutStopSec = config.Infinity
			}
			byName[r.Service] = sp
			longest = longerStop(longest, sp)
		}
	}
	unbounded := shutdownBound(s.cfg.ShutdownTimeout, longest)
	return func(name string) runstate.Stop {
		stop := runstate.Stop{Signal: config.DefaultKillSignal, Grace: config.DefaultTimeoutStopSec}
		if sp := byName[name]; sp != nil {
			if sp.KillSignal != "" {
				stop.Signal = sp.KillSignal
			}
			switch {
			case sp.TimeoutStopSec >= maxTimer:
				stop.Grace = unbounded
			case sp.TimeoutStopSec > 0: // 0 only before Validate: the default
				stop.Grace = sp.TimeoutStopSec
			}
		}
		return stop
	}
}

// ErrNotRunning is returned by the service methods of a Supervisor whose
// Run has returned (or failed to start). Called before Run is ready, they
// wait for it, bounded by their context; but the queries (Status, List,
// Logs, Events, ConfigErrors, Definition) made while Run stops what a
// previous superd left running (see StateFile), which may take up to the
// services' TimeoutStopSec, return at once an error that matches
// transport.ErrUnavailable and says so.
// It matches transport.ErrUnavailable too, so that a transport.NewHandler
// serving the Supervisor answers 503.
//
// Once Run's context is done, the methods that act (Start, Stop, Restart,
// Signal, Reload, CheckConfig, PutDefinition, DeleteDefinition) are
// refused at once with an error that matches ErrNotRunning ("superd is
// shutting down"), and those already waiting for their answer get it a
// second later (which cuts their answer, not their action: a stop under
// way goes on); the queries (Status, List, Logs, Events, Definition,
// ConfigErrors) are answered until every service has stopped, and get
// ErrNotRunning too once Run takes its actors down.
var ErrNotRunning error = notRunningError{}

// notRunningError is ErrNotRunning.
type notRunningError struct{}

func (notRunningError) Error() string { return "supervisor is not running" }

// Is makes ErrNotRunning match transport.ErrUnavailable.
func (notRunningError) Is(target error) bool { return target == transport.ErrUnavailable }

// errShutdown refuses the calls that act once the shutdown has begun (see
// ErrNotRunning). It is also the cause given to the requests still in
// flight when the servers stop.
var errShutdown error = shutdownError{}

// shutdownError is errShutdown.
type shutdownError struct{}

func (shutdownError) Error() string { return "superd is shutting down" }

// Is makes errShutdown match ErrNotRunning and transport.ErrUnavailable.
func (shutdownError) Is(target error) bool {
	return target == ErrNotRunning || target == transport.ErrUnavailable
}

// errLeftovers answers a query made while Run stops what a previous
// superd left running, before it starts anything (see waitFor).
var errLeftovers error = leftoversError{}

// leftoversError is errLeftovers.
type leftoversError struct{}

func (leftoversError) Error() string {
	return "superd is starting: it is stopping the processes a previous superd left running " +
		"(their KillSignal=, then SIGKILL at their TimeoutStopSec=); queries are answered, and commands carried out, once they are gone"
}

// Is makes errLeftovers match transport.ErrUnavailable.
func (leftoversError) Is(target error) bool { return target == transport.ErrUnavailable }

// Supervisor runs a set of services, each a protoactor actor under a services
// supervisor actor. It is safe for concurrent use; it implements
// transport.Backend, so the same methods serve the control socket.
//
// A program that serves it itself, with transport.NewHandler on a
// listener of its own, must put the handler behind transport.TCPHandler
// (the token) or serve it with transport.NewUnixServer (the peer's
// credentials): the handler checks no credentials, and a request that
// came through neither is taken as the program's own, which may do
// anything, such as write a definition that runs as root. Config.Socket
// and Config.HTTP do all this already.
type Supervisor struct {
	cfg   Config
	log   *slog.Logger
	ready chan struct{}
	done  chan struct{}
	ran   atomic.Bool // Run was called
	// leftovers is set while Run stops what a previous superd left: the
	// queries made then are answered with errLeftovers at once, instead of
	// waiting for a start that may take up to TimeoutStopSec.
	leftovers atomic.Bool
	// order keeps the commands that act in the order they were asked
	// while they wait for superd to be ready (see cmdOrder).
	order cmdOrder
	// early holds the operator's stops (by name or pattern), starts and
	// restarts that came before Run created the services (while it
	// stopped what a previous superd left, say; see earlyStops): the
	// services stopped are created stopped, not started only to be
	// stopped when the command gets through (which it does, its client
	// waiting or not: see sendWhenReady).
	early earlyStops
	// marker is the services' marker (serviceDeps.marker) once Run has
	// made it, for Usage, which the API may call before ready.
	marker atomic.Pointer[func(service string) string]
	// procs is Run's process manager once made, for Usage.
	procs atomic.Pointer[process.Manager]

	// Set by Run before ready is closed; read-only afterwards.
	sys      *actor.ActorSystem
	services *actor.PID
	config   *actor.PID // nil without a config dir
	events   *actor.PID
	state    *actor.PID // nil without a state file
	loadErrs []error
	// logSinks are the log sink actor's Sinks, read for the bytes each
	// service's status says were dropped.
	logSinks *logSinks
	// socketGID is the socket group's id, -1 without one (resolved once,
	// when the socket is made).
	socketGID int
	tcp       transport.TCPOptions // of the HTTP API, when served
	httpAddr  string               // the HTTP API's bound address, when served
	// unix is the control socket's listener (nil without Socket), set by
	// Run before Ready: a reload makes its file again if it is gone.
	unix *transport.UnixListener

	// afterLoad, if set (by tests), runs right after Run's first load of
	// the config dir: a change it makes comes between the load and the
	// config actor's start.
	afterLoad func()
	// noLogDirCheck, if set (by tests), turns off the check of a changed
	// service's log directory before it is replaced (keepUnlogged): the
	// directory can still turn unsafe between that check and the open.
	noLogDirCheck bool
	// beforeAPIClose, if set (by tests), runs when Run is about to close
	// the API's servers and listeners (api.close), which cuts the
	// connections left: the requests a shutdown answers have their
	// answers written by then.
	beforeAPIClose func()
	// tweakDeps, if set (by tests), changes the services' dependencies
	// Run makes, before any service is created.
	tweakDeps func(*serviceDeps)
	// rescanEvery, if set (by tests), replaces watchRescan.
	rescanEvery time.Duration
	// newWatcher, if set (by tests), replaces fsnotify.NewWatcher for the
	// watch of the config dir.
	newWatcher func() (*fsnotify.Watcher, error)

	// stopping is closed when the shutdown begins: the methods that act
	// (start, stop, restart, signal, reload, definition writes) are then
	// refused with errShutdown.
	stopping chan struct{}
	// runDone is Run's ctx.Done(), set before ready is closed: a call
	// that acts is refused as soon as Run's context is done, before Run
	// has woken up to close stopping.
	runDone <-chan struct{}
	// cut is closed commandGrace after stopping (at the latest when Run
	// returns): the calls that act and still wait for their answer get
	// errShutdown.
	cut     chan struct{}
	cutOnce sync.Once
	// dismantling is closed when Run, its services stopped, begins to
	// take the actors down: their answers are partial from then on (a
	// service whose actor is gone is unknown), so the queries get
	// ErrNotRunning instead.
	dismantling chan struct{}

	// streams is canceled once the services have stopped and the actors
	// are gone: it ends the log streams.
	streams      context.Context
	closeStreams context.CancelFunc
	// logWatcher watches the log files for every follower of Logs, with
	// one inotify instance however many there are.
	logWatcher *logsink.Watcher
}

var _ transport.Backend = (*Supervisor)(nil)
var _ transport.UsageBackend = (*Supervisor)(nil)

// New validates cfg and returns a supervisor ready to Run.
func New(cfg Config) (*Supervisor, error) {
	if cfg.LogDir == "" {
		if cfg.ConfigDir == "" {
			return nil, errors.New("actors: Config needs a LogDir or a ConfigDir")
		}
		cfg.LogDir = filepath.Join(cfg.ConfigDir, "logs")
	}
	if cfg.Watch && cfg.ConfigDir == "" {
		return nil, errors.New("actors: Config.Watch needs a ConfigDir to watch")
	}
	// Settings that would be ignored are refused, so that a forgotten
	// Socket or SocketGroup does not go unnoticed.
	if cfg.ShutdownTimeout < 0 {
		return nil, fmt.Errorf("actors: Config.ShutdownTimeout %v is negative (0 means the default)", cfg.ShutdownTimeout)
	}
	if cfg.Socket == "" {
		if cfg.SocketGroup != "" {
			return nil, fmt.Errorf("actors: Config.SocketGroup %q needs a Socket to apply to", cfg.SocketGroup)
		}
		if cfg.SocketAllowRootServices {
			return nil, errors.New("actors: Config.SocketAllowRootServices needs a Socket to apply to")
		}
	}
	if cfg.AllowRootServices && !cfg.AllowRemoteEdit {
		// A Remote caller may write no definition at all.
		return nil, errors.New("actors: Config.AllowRootServices applies to definitions written by remote callers (the HTTP API), which AllowRemoteEdit must let write them")
	}
	if cfg.SocketAllowRootServices && cfg.SocketGroup == "" {
		return nil, errors.New("actors: Config.SocketAllowRootServices needs a SocketGroup: without one, only root and the supervisor's own user may use the socket")
	}
	if err := socketGroupRule(cfg.SocketGroup, cfg.SocketAllowRootServices, transport.PeerCredentialsSupported()); err != nil {
		return nil, err
	}
	if cfg.HTTP.Addr == "" {
		for _, f := range []struct {
			name string
			set  bool
		}{
			{"HTTP.TokenFile", cfg.HTTP.TokenFile != ""}, {"HTTP.Hosts", len(cfg.HTTP.Hosts) > 0},
			{"HTTP.TLSCertFile", cfg.HTTP.TLSCertFile != ""}, {"HTTP.TLSKeyFile", cfg.HTTP.TLSKeyFile != ""},
			{"HTTP.Insecure", cfg.HTTP.Insecure},
		} {
			if f.set {
				return nil, fmt.Errorf("actors: Config.%s needs an HTTP.Addr to apply to (the HTTP API is served only when HTTP.Addr is set)", f.name)
			}
		}
	} else {
		// Found now, before Run creates a token file for an API it could
		// not serve.
		if _, _, err := net.SplitHostPort(cfg.HTTP.Addr); err != nil {
			return nil, fmt.Errorf("actors: HTTP address %q: %w (want host:port, e.g. 127.0.0.1:8080)", cfg.HTTP.Addr, err)
		}
		if cfg.HTTP.TokenFile == "" && cfg.ConfigDir == "" {
			return nil, errors.New("actors: the HTTP API needs a token file: set HTTP.TokenFile, or a ConfigDir to create one in")
		}
	}
	for _, k := range cfg.DaemonOverrides {
		if !config.IsDaemonKey(k) {
			return nil, fmt.Errorf("actors: Config.DaemonOverrides: %q is not a key of superd.conf's [Daemon] section", k)
		}
	}
	cfg.DaemonOverrides = slices.Clone(cfg.DaemonOverrides)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	// Paths are used for the supervisor's whole life (log files opened and
	// rotated, reloads, the state file, the socket removed at the end): a
	// relative one must not follow the program's later chdir.
	for _, p := range []*string{&cfg.ConfigDir, &cfg.LogDir, &cfg.StateFile, &cfg.Socket,
		&cfg.HTTP.TokenFile, &cfg.HTTP.TLSCertFile, &cfg.HTTP.TLSKeyFile} {
		if *p == "" {
			continue
		}
		abs, err := filepath.Abs(*p)
		if err != nil {
			return nil, fmt.Errorf("actors: %s: %w", *p, err)
		}
		*p = abs
	}
	if err := distinctFiles(cfg); err != nil {
		return nil, err
	}
	// The supervisor keeps copies: the caller's services are neither
	// changed by Validate nor shared with the actors.
	services := make([]*config.Service, 0, len(cfg.Services))
	names := make(map[string]bool, len(cfg.Services))
	for _, s := range cfg.Services {
		if s == nil {
			return nil, errors.New("actors: nil service in Config.Services")
		}
		c := s.Clone()
		if err := config.Validate(c); err != nil {
			return nil, fmt.Errorf("actors: service %q: %w", c.Name, err)
		}
		// Defined by the program even if it parsed it from a file of its
		// own: a reload of ConfigDir, which follows the services with a
		// File, must leave it alone.
		c.File = ""
		if names[c.Name] {
			return nil, fmt.Errorf("actors: service %q is defined twice in Config.Services", c.Name)
		}
		names[c.Name] = true
		services = append(services, c)
	}
	cfg.Services = services
	streams, closeStreams := context.WithCancel(context.Background())
	return &Supervisor{cfg: cfg, log: cfg.Logger, ready: make(chan struct{}), done: make(chan struct{}), socketGID: -1,
		stopping: make(chan struct{}), cut: make(chan struct{}), dismantling: make(chan struct{}), streams: streams, closeStreams: closeStreams, logWatcher: logsink.NewWatcher(cfg.Logger)}, nil
}

// Ready is closed once Run has started every AutoStart service and the
// control socket (if any) accepts requests.
func (s *Supervisor) Ready() <-chan struct{} { return s.ready }

// HTTPAddr returns the address the HTTP API listens on, as host:port,
// with the port the system chose when HTTP.Addr asked for port 0
// ("127.0.0.1:0"); "" before Ready is closed, and when the API is not
// served (HTTP.Addr empty). It stays the same after Run has returned.
func (s *Supervisor) HTTPAddr() string {
	select {
	case <-s.ready:
		return s.httpAddr
	default:
		return ""
	}
}

// LoadErrors returns the errors of the service files that could not be
// loaded at start (each names its file and line), and one for each
// service that could not be created then (such as one of Config.Services
// whose name a file also defines, or one whose log files cannot be
// opened). Valid after Ready.
func (s *Supervisor) LoadErrors() []error {
	select {
	case <-s.ready:
		return append([]error(nil), s.loadErrs...)
	default:
		return nil
	}
}

// Run starts the supervisor and blocks until ctx is done; then it shuts
// down and returns nil. The shutdown first stops taking connections (the
// socket is removed) and commands (see ErrNotRunning), then stops every
// service gracefully (in parallel, each within its TimeoutStopSec, all
// within ShutdownTimeout), hands the last events (the stops) to the
// streams of Events before it closes them, and ends the streams of Logs.
// A process that even SIGKILL does not end is given up as Stop gives it
// up, and left behind: Run returns all the same.
//
// It returns an error at once if it cannot start, for example: another
// superd holds the socket's lock (the error wraps
// transport.ErrDaemonRunning), the lock of ConfigDir (config.ErrDirInUse)
// or the lock of StateFile (runstate.ErrInUse); ConfigDir is missing or
// unreadable (config.ErrServiceDir); LogDir names a file that is not a
// directory (a missing one is created). If ctx is done before any service has
// started, Run starts none and returns nil; Ready is then never closed,
// the commands that wait for it get an error, and the stops, starts and
// restarts among them are recorded in StateFile as they would be once
// carried out, for the next Run to honour.
// Run may be called only once: a second call returns an error at once.
func (s *Supervisor) Run(ctx context.Context) (err error) {
	if !s.ran.CompareAndSwap(false, true) {
		return errors.New("actors: Run called more than once")
	}
	defer close(s.done)
	defer s.cutCommands() // before done: a call that acts never sees done first
	// A command received once the shutdown has begun is refused, not
	// noted: before the start, noting it would record its intent in the
	// state file for the next superd, though its client is told superd
	// is shutting down.
	defer context.AfterFunc(ctx, s.early.shutDown)()
	// "superd stopped" is said last, once the locks below are released:
	// whoever waits for it may start the next superd at once.
	stopped := false
	defer func() {
		if stopped {
			s.log.Info("superd stopped")
		}
	}()
	// The socket's lock is taken before anything else is touched.
	api, err := s.listen(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil // asked to stop while it started (see below)
		}
		return err
	}
	defer func() {
		if s.beforeAPIClose != nil {
			s.beforeAPIClose()
		}
		api.close()
	}()
	defer func() {
		// A start refused after the listen (the config dir's lock, an
		// invalid superd.conf, the state file, ...) leaves no token file
		// it created.
		select {
		case <-s.ready:
		default:
			if err != nil {
				api.removeNewToken()
			}
		}
	}()
	if api.tcp != nil {
		s.httpAddr = api.tcp.Addr().String()
	}
	s.unix = api.unix
	// Then the config dir's: a second supervisor on the same service files
	// (another superd with another socket) would run each one twice.
	var dirLock *config.DirLock
	if s.cfg.ConfigDir != "" {
		if dirLock, err = config.LockDir(s.cfg.ConfigDir); err != nil {
			return err
		}
		defer dirLock.Close()
		if err := dirLock.Foreign(); err != nil {
			s.log.Warn("config dir locked by a process of another user: its lock is ignored", "err", err)
		}
	}
	// A log dir may be missing (it is created), not another kind of file:
	// no service could ever be created.
	if fi, err := os.Stat(s.cfg.LogDir); err == nil && !fi.IsDir() {
		return fmt.Errorf("log dir %s: not a directory", s.cfg.LogDir)
	}
	// A config dir that is missing or unreadable (a typo in --config-dir)
	// is an error, not a supervisor of nothing that says it is ready.
	// Stamped before the load reads the files: one changed between the two
	// shows as changed, and with Watch is reloaded once the watch is on
	// (see the config actor's Started).
	var loadStamps map[string]fileStamp
	if s.cfg.ConfigDir != "" {
		loadStamps = stampDir(s.cfg.ConfigDir)
	}
	specs, errs := s.load()
	if len(errs) == 1 && errors.Is(errs[0], config.ErrServiceDir) {
		return fmt.Errorf("config dir: %w", errs[0])
	}
	if s.afterLoad != nil {
		s.afterLoad()
	}
	procs, err := process.NewManager(process.Options{Subreaper: s.cfg.Subreaper, Logger: s.log})
	if errors.Is(err, process.ErrSubreaperInUse) {
		return fmt.Errorf("Config.Subreaper: a Supervisor with it must be the only one of its process while it runs, and another Supervisor of this process runs (until its Run returns): %w", err)
	}
	if err != nil {
		return fmt.Errorf("process manager: %w", err)
	}
	defer procs.Close()
	s.procs.Store(procs)

	handler := transport.NewHandler(s, transport.HandlerOptions{Logger: s.log, Version: s.cfg.Version})
	deps := &serviceDeps{procs: procs, signal: process.SignalGroup, groupExists: process.GroupExists,
		userEnv: process.UserEnv, logger: s.log, env: childBaseEnv(), now: now, rand: rand.Float64}
	if s.tweakDeps != nil {
		s.tweakDeps(deps)
	}
	var store *runstate.Store
	if s.cfg.StateFile != "" {
		var prev runstate.State
		if store, prev, err = runstate.Open(s.cfg.StateFile, s.log); err != nil {
			return fmt.Errorf("state file: %w", err)
		}
		defer store.Close() // after the state actor's last write, at the root's stop
		// No service ever has two live instances: what a crashed superd
		// left behind goes before anything starts.
		// Queries are answered meanwhile (errLeftovers, see waitFor): the
		// API is served from now on, not from when superd is ready.
		s.leftovers.Store(true)
		api.serve(handler, s.tcp)
		for _, r := range runstate.KillStale(ctx, prev, s.staleStop(specs, prev.Processes), s.log) {
			// How each went is logged above (a SIGKILL sent early, at a
			// shutdown; a process still there after it): this line
			// claims no more than that they were dealt with.
			s.log.Warn("signalled processes left by a previous superd (KillSignal, then SIGKILL after TimeoutStopSec, or at once if superd is told to stop)", "service", r.Service, "pid", r.PID, "pgid", r.PGID)
		}
		s.leftovers.Store(false)
		deps.marker = store.Marker
		deps.opStopped = make(map[string]bool, len(prev.Stopped))
		for _, name := range prev.Stopped {
			deps.opStopped[name] = true
		}
		deps.opStarted = make(map[string]bool, len(prev.Started))
		for _, name := range prev.Started {
			deps.opStarted[name] = true
		}
		deps.intents = func(name string) (bool, bool) { return store.Stopped(name), store.Started(name) }
	} else if s.cfg.Subreaper {
		// Without a state file, a marker still lets a stop find the
		// processes that left a service's group (they become ours).
		deps.marker = runstate.NewMarker()
	}
	if deps.marker != nil {
		s.marker.Store(&deps.marker)
	}
	// Asked to stop before any service started (superd given SIGTERM while
	// it starts): nothing failed, and nothing is started only to be
	// stopped. KillStale may have cut the grace period of what it
	// stopped short (it still waits for what it SIGKILLed to be gone).
	if ctx.Err() != nil {
		s.log.Info("shutting down before the start")
		// The operator's stops, starts and restarts received meanwhile
		// are not carried out, but they are recorded as they would be
		// after the start, so that the next superd honours them (a
		// stop outlives a superd restart): the clients were told they
		// would be carried out. Before the answers below, as a command
		// after the start answers once its intent is written.
		all, _ := s.addGoServices(specs)
		_, intents := s.early.close(specNames(all))
		if err := recordEarlyIntents(store, all, intents); err != nil {
			s.log.Error("writing the state file failed: the stops and starts received before the start are lost", "err", err)
		}
		// The commands waiting for the start, served since KillStale
		// began, are answered 503 "superd is shutting down", as in a
		// shutdown after the start, before their connections close:
		// closed at once (api.close), they made the clients report a
		// server that closed the connection without answering.
		s.cutCommands()
		api.stopAccepting()
		api.shutdown()
		return nil
	}
	hooks := &queueSet{}
	defer hooks.closeLeft(s.log) // after the actor system is shut down (deferred below)
	s.sys = actor.NewActorSystem(actor.WithLoggerFactory(protoLogger(s.log)))
	defer s.sys.Shutdown()
	for _, err := range errs {
		s.log.Error("service file skipped", "err", err)
	}
	specs, clashes := s.addGoServices(specs)
	for _, err := range clashes {
		s.log.Error("service skipped", "err", err)
	}
	s.loadErrs = slices.Concat(errs, clashes)
	if store != nil {
		s.forgetStaleIntents(store, deps, specs)
	}
	if stops, intents := s.early.close(specNames(specs)); len(stops) > 0 || len(intents) > 0 {
		deps = s.applyEarlyStops(store, deps, specs, stops, intents)
	}
	deps.configDir, deps.dirLock = s.cfg.ConfigDir, dirLock
	queues, daemon, err := s.notifiers()
	if err != nil {
		return err
	}
	hooks.add(queues...)
	s.logSinks = &logSinks{}
	spawned := make(chan rootChildren, 1)
	rootProps := actor.PropsFromProducer(func() actor.Actor {
		return &rootActor{deps: deps, logDir: s.cfg.LogDir, logSinks: s.logSinks, noLogDirCheck: s.noLogDirCheck, store: store, spawned: spawned, initial: specs, loadErr: s.loadErrs, loadStamps: loadStamps, watch: s.cfg.Watch, rescanEvery: s.rescanEvery, newWatcher: s.newWatcher, queues: queues, hooks: hooks, daemon: daemon, daemonOverrides: s.cfg.DaemonOverrides, version: s.cfg.Version}
	}, actor.WithGuardian(resumeStrategy(s.log)), actor.WithSupervisor(resumeStrategy(s.log)))
	root, err := s.sys.Root.SpawnNamed(rootProps, "superd")
	if err != nil {
		return fmt.Errorf("spawn root actor: %w", err)
	}
	children := <-spawned
	s.services, s.config, s.events, s.state = children.services, children.config, children.events, children.state

	added := make(chan error, 1)
	s.sys.Root.Send(s.services, &addServices{specs: specs, done: added})
	created := len(specs)
	if err := <-added; err != nil {
		failed := creationErrors(specs, err)
		s.loadErrs = append(s.loadErrs, failed...)
		s.log.Error("services not created", "err", err)
		created -= len(failed)
	}

	api.serve(handler, s.tcp) // unless it already serves
	readyAttrs := []any{"services", created, "config_dir", s.cfg.ConfigDir, "log_dir", s.cfg.LogDir, "socket", s.cfg.Socket}
	if s.httpAddr != "" {
		readyAttrs = append(readyAttrs, "http", s.httpAddr) // the port chosen for ":0"
	}
	s.log.Info("superd ready", readyAttrs...)
	s.runDone = ctx.Done()
	close(s.ready)

	<-ctx.Done()
	// Before anything else, and before it is said: no service is created
	// from now on, to have its process started only to be stopped (a
	// reload's re-creation whose sink opens while the listeners close,
	// which stopAll, sent after that, came too late to refuse).
	s.sys.Root.Send(s.services, &shutdownBegun{})
	s.log.Info("shutting down")
	// First nothing new: no connection, no command. Those in flight get a
	// moment to be answered; the streams go on.
	close(s.stopping)
	if s.config != nil { // no config actor without a ConfigDir
		s.sys.Root.Send(s.config, &stopWatching{}) // no reload while the services stop
	}
	grace := time.AfterFunc(commandGrace, s.cutCommands)
	defer grace.Stop()
	api.stopAccepting()
	s.stopAll()
	dctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	if !s.drainState(dctx) {
		s.log.Warn("the state file was not written in time at shutdown")
	}
	if !s.drainEvents(dctx) {
		s.log.Warn("the event hub did not take the last events in time at shutdown")
	}
	cancel()
	// The event streams get every event so far (the stops), then their
	// end; the log streams end once the actors are gone, their sinks
	// having written the services' last output.
	ended := make(chan struct{})
	s.sys.Root.Send(s.events, &closeStreams{deadline: time.Now().Add(streamsEndGrace), done: ended})
	select {
	case <-ended:
	case <-time.After(streamsEndGrace + time.Second): // the hub is stuck: its Stopping ends them
	}
	close(s.dismantling) // before the poison: see dismantled
	_ = s.sys.Root.PoisonFuture(root).Wait()
	hooks.closeLeft(s.log)
	s.closeStreams()
	if err := s.logWatcher.Close(); err != nil {
		s.log.Warn("closing the log watcher failed", "err", err)
	}
	// The streams' handlers write their end; a client that does not read
	// is cut.
	api.shutdown()
	stopped = true
	return nil
}

// creationErrors splits err, the joined errors of the services of specs
// that Run could not create, into one *creationError per service (the
// services supervisor names each), in the order of specs: LoadErrors,
// ConfigErrors (without a config actor) and the answer about such a name
// (see ask) then give each service its own error, as the config actor does
// for a service created later. Any other error is kept as it is, after
// them.
func creationErrors(specs []*config.Service, err error) []error {
	parts := []error{err}
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		parts = joined.Unwrap()
	}
	byName := make(map[string]error, len(parts))
	var other []error
	for _, part := range parts {
		if ce, ok := part.(*creationError); ok {
			byName[ce.name] = ce
		} else {
			other = append(other, part)
		}
	}
	out := make([]error, 0, len(parts))
	for _, sp := range specs {
		if ce, ok := byName[sp.Name]; ok {
			out = append(out, ce)
		}
	}
	return append(out, other...)
}

// streamsEndGrace is how long, at shutdown, the clients of the event
// streams have to read the last events (the stops) before their streams
// end anyway, what they have not read lost (and the client told).
const streamsEndGrace = 2 * time.Second

// commandGrace is how long, after the shutdown begins, a call that acts
// (a stop waiting for TimeoutStopSec) may still wait for its answer.
const commandGrace = time.Second

// cutCommands makes the calls that act, still waiting for their answer,
// return errShutdown.
func (s *Supervisor) cutCommands() {
	s.cutOnce.Do(func() { close(s.cut) })
}

// notifiers builds one bounded queue per webhook of <ConfigDir>/superd.conf,
// and returns that superd.conf (nil without a ConfigDir). An invalid
// superd.conf stops the start: running without the webhooks the operator
// configured would lose events silently.
func (s *Supervisor) notifiers() ([]*notify.Queue, *config.Daemon, error) {
	if s.cfg.ConfigDir == "" {
		return nil, nil, nil
	}
	d, err := config.LoadDaemon(s.cfg.ConfigDir)
	if err != nil {
		return nil, nil, fmt.Errorf("superd.conf: %w", err)
	}
	queues, _, err := webhookQueues(d, nil, s.cfg.Version, s.log)
	return queues, d, err
}

// load reads the service files of ConfigDir.
func (s *Supervisor) load() ([]*config.Service, []error) {
	if s.cfg.ConfigDir == "" {
		return nil, nil
	}
	return config.LoadDir(s.cfg.ConfigDir)
}

// forgetStaleIntents forgets the operator's stops and starts, recorded by
// a previous superd, of services that are no longer defined: no file of
// ConfigDir (loadable or not) and no service of Config.Services has the
// name. Their files were removed while no superd ran, or one was killed
// before it wrote that a removal forgot the intent, as a running one does:
// a service defined later under the same name is a new one. Nothing is
// forgotten if ConfigDir cannot be listed. It also forgets the starts of
// services that now have AutoStart=yes: they start anyway, and a later
// change back to AutoStart=no must not find the start still recorded (the
// start of a service whose file cannot be loaded is kept, as is its
// stop: the service starts once a reload loads it).
func (s *Supervisor) forgetStaleIntents(store *runstate.Store, deps *serviceDeps, specs []*config.Service) {
	if len(deps.opStopped) == 0 && len(deps.opStarted) == 0 {
		return
	}
	var forget []runstate.Change
	defined := make(map[string]bool, len(specs))
	for _, sp := range specs {
		defined[sp.Name] = true
		if sp.AutoStart && deps.opStarted[sp.Name] {
			delete(deps.opStarted, sp.Name)
			forget = append(forget, runstate.Started(sp.Name, false))
			s.log.Info("forgot the operator's start of a service that now has AutoStart=yes", "service", sp.Name)
		}
	}
	listed := true
	if s.cfg.ConfigDir != "" {
		entries, err := os.ReadDir(s.cfg.ConfigDir)
		listed = err == nil
		for _, e := range entries {
			if name, ok := strings.CutSuffix(e.Name(), config.FileSuffix); ok {
				defined[name] = true
			}
		}
	}
	for name := range deps.opStopped {
		if listed && !defined[name] {
			delete(deps.opStopped, name)
			forget = append(forget, runstate.Stopped(name, false))
			s.log.Info("forgot the operator's stop of a service that is no longer defined", "service", name)
		}
	}
	for name := range deps.opStarted {
		if listed && !defined[name] {
			delete(deps.opStarted, name)
			forget = append(forget, runstate.Started(name, false))
			s.log.Info("forgot the operator's start of a service that is no longer defined", "service", name)
		}
	}
	if len(forget) == 0 {
		return
	}
	// A failed write leaves the store behind: the state actor's first write
	// makes it again.
	if err := store.Apply(forget...); err != nil {
		s.log.Warn("writing the state file failed", "err", err)
	}
}

// applyEarlyStops returns deps with the operator's stops that came before
// the services were created (stops, see Supervisor.early) among the
// services stopped: those services are created stopped, and each command
// then finds its service stopped, or starts it (a start asked after the
// stop). The intents (see earlyStops.close) are recorded in the state
// file now, as their commands would record them, for a command that
// times out before it gets through, or a superd killed before then. A
// name that specs does not define is left to its command, which fails.
func (s *Supervisor) applyEarlyStops(store *runstate.Store, deps *serviceDeps, specs []*config.Service, stops []string, intents map[string]bool) *serviceDeps {
	defined := make(map[string]bool, len(specs))
	for _, sp := range specs {
		defined[sp.Name] = true
	}
	d := *deps
	d.opStopped, d.opStarted = maps.Clone(d.opStopped), maps.Clone(d.opStarted)
	if d.opStopped == nil {
		d.opStopped = make(map[string]bool, len(stops))
	}
	d.earlyStopped = make(map[string]bool, len(stops))
	for _, name := range stops {
		if !defined[name] {
			continue
		}
		d.opStopped[name] = true
		d.earlyStopped[name] = true
		delete(d.opStarted, name)
	}
	if err := recordEarlyIntents(store, specs, intents); err != nil {
		// The store is left behind: the state actor's first write makes
		// it again.
		s.log.Warn("writing the state file failed", "err", err)
	}
	return &d
}

// recordEarlyIntents writes to the state file the operator's intents
// that came before the services were created (see earlyStops.close), as
// the service actors record those of their commands (see intend): a stop,
// or a start that clears a stop and, for a service with AutoStart=no,
// records the start. Without a state file there is nothing to write.
func recordEarlyIntents(store *runstate.Store, specs []*config.Service, intents map[string]bool) error {
	if store == nil || len(intents) == 0 {
		return nil
	}
	var record []runstate.Change
	for _, sp := range specs {
		stopped, ok := intents[sp.Name]
		if !ok {
			continue
		}
		record = append(record, runstate.Stopped(sp.Name, stopped), runstate.Started(sp.Name, !stopped && !sp.AutoStart))
	}
	if err := store.Apply(record...); err != nil {
		return fmt.Errorf("the operator's intents: %w", err)
	}
	return nil
}

// addGoServices appends the services defined in Go to those of the files,
// but for one whose name a file of ConfigDir already defines: the file's
// service runs (and follows its file on a reload), the clash is an error.
func (s *Supervisor) addGoServices(specs []*config.Service) ([]*config.Service, []error) {
	files := make(map[string]string, len(specs))
	for _, sp := range specs {
		files[sp.Name] = sp.File
	}
	var errs []error
	for _, sp := range s.cfg.Services {
		if file, ok := files[sp.Name]; ok {
			errs = append(errs, fmt.Errorf("%w: service %q of Config.Services not run: %s defines it", transport.ErrConflict, sp.Name, file))
			continue
		}
		specs = append(specs, sp)
	}
	return specs, errs
}

// stopAll stops every service and waits for them, bounded by the shutdown
// timeout. Services still running afterwards are SIGKILLed when their actors
// stop.
func (s *Supervisor) stopAll() {
	done := make(chan struct{})
	s.sys.Root.Send(s.services, &stopAll{done: done})
	timeout := s.cfg.ShutdownTimeout
	if timeout <= 0 {
		// Asked after stopAll, so that it covers every service there is
		// now, including those added or changed since the start (no service
		// is created once stopAll is received).
		bound := make(chan time.Duration, 1)
		s.sys.Root.Send(s.services, &stopBoundQuery{reply: bound})
		select {
		case b := <-bound:
			timeout = shutdownBound(0, b)
		case <-time.After(shutdownGrace):
			timeout = 0 // no answer: the services supervisor is stuck
		}
	}
	select {
	case <-done:
		return
	case <-time.After(timeout):
		s.log.Warn("services did not stop in time; killing them", "timeout", timeout)
	}
	// Killed here rather than by the actors' cleanup when the root stops,
	// so that their exits are seen and published (exit and stop events),
	// and written to the state file, like any other stop's.
	killed := make(chan struct{})
	s.sys.Root.Send(s.services, &killAll{done: killed})
	select {
	case <-killed:
	case <-time.After(shutdownKillWait):
		s.log.Error("services still running after SIGKILL at shutdown (stuck in the kernel?)", "waited", shutdownKillWait)
	}
}

// shutdownKillWait bounds the wait, at shutdown, for the services killed at
// the end of ShutdownTimeout to be seen gone.
const shutdownKillWait = 2 * time.Second

// distinctFiles refuses a Config whose files (absolute paths) are one:
// the socket and the state file would share their lock (PATH.lock), and Run
// would fail, blaming another supervisor that is itself; the state file
// would overwrite the token file. A TLS certificate and its key may be one
// file (a PEM holding both).
func distinctFiles(cfg Config) error {
	token, tokenName := cfg.HTTP.TokenFile, "HTTP.TokenFile"
	if token == "" && cfg.HTTP.Addr != "" && cfg.ConfigDir != "" {
		// The default, which Run creates.
		token, tokenName = filepath.Join(cfg.ConfigDir, DefaultTokenFile), "HTTP.TokenFile (by default "+DefaultTokenFile+" in ConfigDir)"
	}
	files := []struct{ name, path string }{
		{"StateFile", cfg.StateFile}, {"Socket", cfg.Socket}, {tokenName, token},
		{"HTTP.TLSCertFile", cfg.HTTP.TLSCertFile}, {"HTTP.TLSKeyFile", cfg.HTTP.TLSKeyFile},
	}
	for i, a := range files {
		for _, b := range files[i+1:] {
			if a.path == "" || a.path != b.path || a.name == "HTTP.TLSCertFile" && b.name == "HTTP.TLSKeyFile" {
				continue
			}
			return fmt.Errorf("actors: Config.%s and Config.%s are the same file, %s: each needs its own", a.name, b.name, a.path)
		}
	}
	return nil
}

// drainState has the state actor (if any) write every change sent to it
// so far, and waits for that until ctx ends or the supervisor stops. It
// reports whether the changes were written (true without a state file).
// At shutdown it must come before the root actor stops: its children are
// stopped by a system message, which overtakes the user messages still
// queued, so the operator's last stop or start could otherwise be lost
// under load.
func (s *Supervisor) drainState(ctx context.Context) bool {
	if s.state == nil {
		return true
	}
	done := make(chan struct{})
	s.sys.Root.Send(s.state, &drainState{done: done})
	return s.awaitDrain(ctx, done)
}

// drainEvents has the event hub hand every event sent to it so far to the
// notifiers' queues (which its Stopping flushes), and waits for that until
// ctx ends or the supervisor stops. For the same reason as drainState, it
// must come before the root actor stops at shutdown.
func (s *Supervisor) drainEvents(ctx context.Context) bool {
	done := make(chan struct{})
	s.sys.Root.Send(s.events, &drainEvents{done: done})
	return s.awaitDrain(ctx, done)
}

// awaitDrain waits until done is closed (true), ctx ends or the supervisor
// stops.
func (s *Supervisor) awaitDrain(ctx context.Context, done <-chan struct{}) bool {
	select {
	case <-done:
		return true
	case <-ctx.Done():
	case <-s.done:
	}
	return false
}

// shutdownGrace is added to the longest TimeoutStopSec to bound the wait
// for every service to stop at shutdown.
const shutdownGrace = 5 * time.Second

// List returns the status of every service, sorted by name.
func (s *Supervisor) List(ctx context.Context) ([]transport.ServiceStatus, error) {
	l, err := s.list(ctx)
	if err != nil {
		return nil, err
	}
	for i := range l {
		l[i] = callersStatus(l[i])
	}
	s.logSinks.setDropped(l)
	s.markStale(ctx, l)
	return l, nil
}

// list returns the services supervisor's statuses, sorted by name, as it
// has them.
func (s *Supervisor) list(ctx context.Context) ([]transport.ServiceStatus, error) {
	if err := s.waitFor(ctx, false); err != nil {
		return nil, err
	}
	reply := make(chan []transport.ServiceStatus, 1)
	s.sys.Root.Send(s.services, &listQuery{reply: reply})
	select {
	case l := <-reply:
		if s.dismantled() {
			// Made while the services' actors went away: some missing.
			return nil, errDismantled
		}
		return l, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-s.done:
		return nil, ErrNotRunning
	}
}

// Status returns the status of one service.
func (s *Supervisor) Status(ctx context.Context, name string) (transport.ServiceStatus, error) {
	st, err := s.ask(ctx, name, false, func(r replyTo) any { return &statusQuery{name: name, reply: r} })
	return s.markOne(ctx, st, err)
}

// markOne sets ConfigChanged on st, the status a request about one service
// returned with err, if it succeeded (as markStale does), so that every
// service method's status says whether the file changed; and its
// LogDroppedBytes.
func (s *Supervisor) markOne(ctx context.Context, st transport.ServiceStatus, err error) (transport.ServiceStatus, error) {
	if err == nil {
		l := []transport.ServiceStatus{st}
		s.logSinks.setDropped(l)
		s.markStale(ctx, l)
		st = l[0]
	}
	return st, err
}

// markStale sets ConfigChanged on the services whose file changed on disk
// since it was loaded.
func (s *Supervisor) markStale(ctx context.Context, l []transport.ServiceStatus) {
	if s.config == nil || len(l) == 0 {
		return
	}
	// One stat per service asked about: a status of one service must not
	// stat every file of the config dir.
	var names []string
	if len(l) == 1 {
		names = []string{l[0].Name}
	}
	reply := make(chan map[string]bool, 1)
	s.sys.Root.Send(s.config, &staleQuery{names: names, reply: reply})
	select {
	case stale := <-reply:
		for i := range l {
			l[i].ConfigChanged = stale[l[i].Name]
		}
	case <-ctx.Done():
	case <-s.done:
	}
}

// Start starts a service; it returns once its process runs, or with an error
// wrapping ErrStartFailed when the program could not be executed. Starting a
// running service is a no-op.
func (s *Supervisor) Start(ctx context.Context, name string) (transport.ServiceStatus, error) {
	if err := ctx.Err(); err != nil {
		return transport.ServiceStatus{}, err // given up before it was asked: not noted
	}
	if s.early.refusing() {
		return transport.ServiceStatus{}, errShutdown
	}
	s.early.note(name, false)
	st, err := s.ask(ctx, name, true, func(r replyTo) any { return &startService{name: name, reply: r} })
	s.persistIntent(ctx, err)
	return s.markOne(ctx, st, err)
}

// Stop stops a service gracefully: KillSignal to its process group, then
// SIGKILL after TimeoutStopSec. It returns once the process has exited,
// or, for one that even SIGKILL does not end (stuck in the kernel, or
// held by a tracer), 2s after the SIGKILL: the service is then stopped,
// its status's Error naming the process left behind.
//
// While Run stops what a previous superd left, when queries get
// errLeftovers, name may also be a pattern (path.Match: *, ?, [...],
// which no service name has): the services it matches are then created
// stopped, as if each had been stopped then, and Stop returns
// errLeftovers at once; once Run is ready, in its turn among the
// commands asked then (see cmdOrder), each service it matches is sent a
// stop, as a stop by name asked then is, whether or not the caller still
// waits: a start of one asked before it does not have the last word. In
// its turn it reaches the services there are then that it matches: one
// an apply or a reload asked before it defined too (created, and started,
// before this stop comes).
// supers sends one for a stop of a pattern or of --all given then, whose
// names it learns only once superd is ready. Otherwise a pattern is an
// invalid name.
func (s *Supervisor) Stop(ctx context.Context, name string) (transport.ServiceStatus, error) {
	if err := ctx.Err(); err != nil {
		return transport.ServiceStatus{}, err // as for Start
	}
	if s.early.refusing() {
		return transport.ServiceStatus{}, errShutdown
	}
	if strings.ContainsAny(name, "*?[") && s.leftovers.Load() {
		if _, err := path.Match(name, ""); err == nil && s.early.notePattern(name) {
			// Noted, it only has the services it matches created
			// stopped: a start of one asked before it, sent once
			// ready, would start it again. So it also takes its turn
			// among the commands, as a stop by name does, and stops
			// them then (each stopped already but for such a start),
			// matched against the services there are in its turn: an
			// apply or reload asked before it may have defined more.
			s.whenReady(s.order.enter(), func() error {
				for _, svc := range s.servicesMatching(name) {
					s.sys.Root.Send(s.services, &stopService{name: svc, reply: make(chan result, 1)})
				}
				return nil
			})
			return transport.ServiceStatus{}, errLeftovers
		}
	}
	s.early.note(name, true)
	st, err := s.ask(ctx, name, true, func(r replyTo) any { return &stopService{name: name, reply: r} })
	s.persistIntent(ctx, err)
	return s.markOne(ctx, st, err)
}

// Restart stops the service if it runs, then starts it. It returns as
// Start does: once the new process runs, or with an error wrapping
// ErrStartFailed (and the service's status) when the program could not be
// executed.
func (s *Supervisor) Restart(ctx context.Context, name string) (transport.ServiceStatus, error) {
	if err := ctx.Err(); err != nil {
		return transport.ServiceStatus{}, err // as for Start
	}
	if s.early.refusing() {
		return transport.ServiceStatus{}, errShutdown
	}
	s.early.note(name, false)
	st, err := s.ask(ctx, name, true, func(r replyTo) any { return &restartService{name: name, reply: r} })
	s.persistIntent(ctx, err)
	return s.markOne(ctx, st, err)
}

// specNames returns the names of specs, in their order.
func specNames(specs []*config.Service) []string {
	names := make([]string, len(specs))
	for i, sp := range specs {
		names[i] = sp.Name
	}
	return names
}

// servicesMatching returns the names of the services there are now that
// pattern (a valid path.Match pattern) matches; none if the supervisor
// stops meanwhile.
func (s *Supervisor) servicesMatching(pattern string) []string {
	l, err := s.list(context.Background())
	if err != nil {
		return nil
	}
	var out []string
	for _, st := range l {
		if ok, _ := path.Match(pattern, st.Name); ok {
			out = append(out, st.Name)
		}
	}
	return out
}

// persistIntent waits until the state file holds the operator's intent
// (stopped or not) that the start, stop or restart just answered recorded:
// the service actor sent it to the state actor before answering, so a
// drain sent now comes after it. Without this, a superd SIGKILLed within
// the state actor's batching delay after answering would be followed by
// one that starts the service the operator had just stopped. It returns
// early if ctx ends or the supervisor stops; there is nothing to wait for
// without a state file, before Run is ready or once the shutdown refused
// the command (err): the shutdown writes whatever a command cut short
// recorded, and its state actor may be gone already.
func (s *Supervisor) persistIntent(ctx context.Context, err error) {
	if errors.Is(err, errShutdown) {
		return
	}
	select {
	case <-s.done:
		// Run returned: its state actor is gone, and a message sent to
		// it would be a dead letter, logged through Config.Logger.
		return
	default:
	}
	select {
	case <-s.ready:
		s.drainState(ctx)
	default:
	}
}

// Signal sends a signal to the process group of a running service. sig is
// a signal name with or without the SIG prefix, in any case ("HUP",
// "SIGUSR1"), or its number. An unknown signal is an error wrapping
// transport.ErrInvalidArgument; a service without a process (stopped,
// exited, in backoff or fatal), one wrapping transport.ErrConflict. The
// signal changes nothing else: if it ends the process, the restart policy
// applies as to any exit.
func (s *Supervisor) Signal(ctx context.Context, name, sig string) (transport.ServiceStatus, error) {
	canon, err := config.NormalizeSignal(sig)
	if err == nil {
		err = config.CheckSignalHere(canon)
	}
	if err != nil {
		return transport.ServiceStatus{}, fmt.Errorf("%w: %w", transport.ErrInvalidArgument, err)
	}
	st, err := s.ask(ctx, name, true, func(r replyTo) any { return &signalService{name: name, signal: canon, reply: r} })
	return s.markOne(ctx, st, err)
}

// Logs returns the output of service name: the last q.Tail lines of its
// stdout (or stderr) log file, all of it when q.Tail < 0, and with q.Follow
// whatever it writes next, across rotations, until ctx ends, the reader
// is closed, or the supervisor shuts down (once its services have stopped
// and their last output is written: a followed reader then reads to the
// end of what the files hold, and ends there). Without q.Follow the
// reader ends where the file ended when Logs was called, and may be read
// after Run has returned. It reads the files the log sink writes; it never
// blocks the sink or the service. Without q.Follow, a log file that is
// not a regular file (a symbolic link put in its place) is an error
// wrapping transport.ErrConflict and logsink.ErrUnsafeFile; a follower
// takes it for a missing file, never reads through it, and waits for
// the file the sink puts in its place at its next write. The caller
// closes the reader.
func (s *Supervisor) Logs(ctx context.Context, name string, q transport.LogQuery) (io.ReadCloser, error) {
	stream := q.Stream
	switch stream {
	case "":
		stream = transport.StreamStdout
	case transport.StreamStdout, transport.StreamStderr:
	default:
		return nil, fmt.Errorf("%w: unknown log stream %q (stdout or stderr)", transport.ErrInvalidArgument, q.Stream)
	}
	// Only existence matters: the status query, not Status, which also
	// stats the service file.
	if _, err := s.ask(ctx, name, false, func(r replyTo) any { return &statusQuery{name: name, reply: r} }); err != nil {
		return nil, err
	}
	path := filepath.Join(s.cfg.LogDir, name, stream+".log")
	if q.Follow && s.streams.Err() != nil {
		return nil, fmt.Errorf("%w (shutting down)", ErrNotRunning)
	}
	// A followed stream also ends when the supervisor shuts down, once it
	// has read what the files hold then: the services' last output,
	// written before the streams end (Finish). One without Follow ends by
	// itself where the file ended: the shutdown must not cut what it was
	// asked for, which a caller may read later.
	r, err := logsink.Tail(ctx, path, logsink.TailOptions{Lines: q.Tail, Follow: q.Follow, Finish: s.streams.Done(),
		Logger: s.log.With("service", name), Watcher: s.logWatcher})
	if err != nil {
		if s.streams.Err() != nil {
			// Cut by the shutdown (its closed watcher), not by the
			// caller or the file.
			return nil, fmt.Errorf("%w (shutting down)", ErrNotRunning)
		}
		if errors.Is(err, logsink.ErrUnsafeFile) {
			// Replaced by a link or another kind of file (by the
			// service's user, whose directory it is): refused, as a
			// service file that is not a regular one is.
			return nil, fmt.Errorf("%w: %w", transport.ErrConflict, err)
		}
		// err names the log file, and so the service: the caller, who
		// asked for name, says what it was doing.
		return nil, err
	}
	return r, nil
}

// Definition returns the service file of name as it is on disk, with its
// content hash. Only services defined by a file of ConfigDir have one: for
// a service of Config.Services the error wraps transport.ErrConflict, as it
// does for PutDefinition and DeleteDefinition, with a ConfigDir or without.
func (s *Supervisor) Definition(ctx context.Context, name string) (transport.Definition, error) {
	r, err := s.askConfig(ctx, name, false, func(reply chan<- definitionReply) any { return &getDefinition{name: name, reply: reply} })
	return r.def, err
}

// PutDefinition validates data as the service file of name exactly as a
// reload would, writes it atomically into ConfigDir and applies it alone: a
// new service is created (and started if AutoStart=), a changed one
// restarted if it ran, an unchanged one left alone. An invalid definition
// is a *transport.InvalidDefinitionError and changes nothing. Writes are
// serialised: of concurrent writes to one service, each applies fully
// before the next. A definition written whose start would fail on this
// machine now (its program, working directory, User= or Group=: see
// CheckConfig) is not refused: the result's Warnings say why.
//
// opts.IfMatch makes the write conditional (see transport.WriteOptions).
// opts.Caller says who asks, for the access rules of the control API: the
// program itself passes the zero WriteOptions (its Caller, UID 0 and not
// Remote, may write any definition, as may one of UID -1). A Caller that
// is Remote is held to AllowRemoteEdit and AllowRootServices, one of
// another UID to the rules of socket users (see SocketAllowRootServices),
// as the requests of the HTTP API and of the socket are; a write they
// refuse is an error wrapping transport.ErrForbidden. DeleteDefinition
// applies the same rules.
func (s *Supervisor) PutDefinition(ctx context.Context, name string, data []byte, opts transport.WriteOptions) (transport.DefinitionResult, error) {
	if err := s.mayEdit(opts); err != nil {
		return transport.DefinitionResult{}, err
	}
	data = append([]byte(nil), data...) // the message must not share the caller's buffer
	// The rule is made once Run is ready (askConfig waits for it): it
	// needs the socket group, which Run resolves.
	r, err := s.askConfig(ctx, name, true, func(reply chan<- definitionReply) any {
		return &putDefinition{name: name, data: data, opts: opts, root: s.rootRule(opts.Caller), reply: reply}
	})
	if err == nil && r.spec != nil && r.hostCheck != nil {
		// Looked at here, not in the config actor: a file system may
		// not answer (the start's bound applies).
		if herr := r.hostCheck(r.spec); herr != nil {
			r.result.Warnings = append(r.result.Warnings, oneLine(hostCheckError(r.spec, herr).Error()))
		}
	}
	return r.result, err
}

// rootRule returns what a definition written by caller may run as. Root
// and the supervisor's own user may write any; a caller whose uid is
// unknown is the embedding program itself (or a socket client on a system
// without peer credentials, which the socket's mode limits to them).
// Clients of the HTTP API may with AllowRootServices, and are otherwise
// held to rootPowers. Other socket users (the socket group) may with
// SocketAllowRootServices, and otherwise only write definitions that run
// as themselves (see asCaller): any other user or group could be one
// whose powers amount to root's (disk, docker, shadow).
func (s *Supervisor) rootRule(c transport.Caller) rootRule {
	rule := rootRule{powerGID: -1, asUID: -1}
	switch {
	case c.Remote:
		rule.allowed = s.cfg.AllowRootServices
		rule.refusal = "superd refuses such definitions over HTTP unless --http-allow-root-services is set (Config.AllowRootServices in a program embedding the supervisor)"
	case c.UID < 0 || c.UID == 0 || c.UID == os.Geteuid():
		rule.allowed = true
	default:
		rule.allowed = s.cfg.SocketAllowRootServices
		rule.asUID = c.UID
		rule.refusal = "a socket user other than root may only write definitions that run as itself, unless superd runs with --socket-allow-root-services (Config.SocketAllowRootServices in a program embedding the supervisor)"
	}
	if !rule.allowed && s.cfg.SocketAllowRootServices {
		// The socket group's members may write root services: running
		// in it is as good as running as root. Resolved once, when the
		// socket was made.
		rule.powerGID = s.socketGID
	}
	return rule
}

// socketGroupRule refuses a socket group whose members could not be held
// to the rules of socket users: where the socket cannot tell who its peers
// are (peerCreds false: no peer credentials on this system), the uid of
// every socket client is unknown, and rootRule lets such a caller write
// any definition, as it does the embedding program; the group's members
// could then write root services. Unless allowRoot (SocketAllowRootServices)
// grants them that anyway, such a group is refused.
func socketGroupRule(group string, allowRoot, peerCreds bool) error {
	if group == "" || allowRoot || peerCreds {
		return nil
	}
	return fmt.Errorf("actors: Config.SocketGroup %q: this system cannot tell the control socket's peers apart (no peer credentials), so the group's members could write root services: set SocketAllowRootServices to accept that, or give no SocketGroup", group)
}

// DeleteDefinition stops the service name, forgets it and moves its file
// to <ConfigDir>/.trash/.
func (s *Supervisor) DeleteDefinition(ctx context.Context, name string, opts transport.WriteOptions) (transport.DefinitionResult, error) {
	if err := s.mayEdit(opts); err != nil {
		return transport.DefinitionResult{}, err
	}
	r, err := s.askConfig(ctx, name, true, func(reply chan<- definitionReply) any {
		return &deleteDefinition{name: name, opts: opts, root: s.rootRule(opts.Caller), reply: reply}
	})
	return r.result, err
}

// mayEdit applies the access rule of definition writes.
func (s *Supervisor) mayEdit(opts transport.WriteOptions) error {
	if opts.Caller.Remote && !s.cfg.AllowRemoteEdit {
		return fmt.Errorf("%w: editing service definitions over HTTP is disabled (start superd with --http-allow-edit, or AllowEdit=yes in superd.conf; Config.AllowRemoteEdit in a program embedding the supervisor)", transport.ErrForbidden)
	}
	return nil
}

// askConfig sends the message built by msg, about the service name, to the
// config actor and waits for its reply; act says whether the message acts
// (see ErrNotRunning): one that does (a definition written or removed) is
// carried out in its turn among the commands that act (see inOrder). msg
// is called once Run is ready.
func (s *Supervisor) askConfig(ctx context.Context, name string, act bool, msg func(chan<- definitionReply) any) (definitionReply, error) {
	call := func(ctx context.Context, sent func()) (definitionReply, error) {
		if s.config == nil {
			// Without a config dir every service of Config.Services runs, and
			// no file defines it: the conflict the config actor reports for
			// it (goDefined) is said here too, so that the sentinel does not
			// depend on whether there is a config dir.
			if slices.ContainsFunc(s.cfg.Services, func(sp *config.Service) bool { return sp.Name == name }) {
				return definitionReply{}, errGoDefined(name)
			}
			return definitionReply{}, fmt.Errorf("%w: the supervisor has no config dir", transport.ErrConfigUnavailable)
		}
		reply := make(chan definitionReply, 1)
		s.sys.Root.Send(s.config, msg(reply))
		sent()
		end, endErr := s.end(act)
		select {
		case r := <-reply:
			return r, r.err
		case <-ctx.Done():
			return definitionReply{}, ctx.Err()
		case <-end:
			return definitionReply{}, endErr
		}
	}
	if act {
		return inOrder(s, ctx, call)
	}
	if err := s.waitFor(ctx, false); err != nil {
		return definitionReply{}, err
	}
	return call(ctx, func() {})
}

// inOrder carries out call, a command for the config actor that acts, in
// its turn among the commands that act (see cmdOrder), as send does those
// for the services. call sends its message, then calls sent, then waits
// for the outcome until ctx ends. Asked before the supervisor is ready,
// the command is carried out whether or not its caller still waits (see
// sendWhenReady): a definition written or removed, or a reload, asked
// while Run stops what a previous superd left was dropped if its client
// gave up, though errLeftovers told it "commands carried out". The
// commands asked after such a one then wait for its outcome: it goes to
// another actor than theirs, which may not have handled it yet when they
// reach theirs (a start of the service an apply asked before it defines).
func inOrder[R any](s *Supervisor, ctx context.Context, call func(ctx context.Context, sent func()) (R, error)) (R, error) {
	var zero R
	if err := ctx.Err(); err != nil {
		return zero, err // given up before it was asked: not carried out, as for Start
	}
	t := s.order.enter()
	select {
	case <-s.ready:
	default:
		type outcome struct {
			r   R
			err error
		}
		got := make(chan outcome, 1)
		err := s.sendWhenReady(ctx, t, func() error {
			// Bounded by the shutdown, which cuts the commands.
			r, err := call(context.Background(), func() {})
			got <- outcome{r, err}
			return err
		})
		select {
		case o := <-got:
			return o.r, o.err
		default:
			return zero, err // ctx ended first, or the shutdown came
		}
	}
	if err := s.waitFor(ctx, true); err != nil {
		t.resolve(false)
		return zero, err
	}
	if err := t.wait(ctx); err != nil {
		t.resolve(false)
		return zero, err
	}
	// Its message sent, the commands after it go on, as after send (or
	// at once, if call sends nothing).
	var once sync.Once
	sent := func() { once.Do(func() { t.resolve(true) }) }
	defer sent()
	return call(ctx, sent)
}

// ConfigErrors returns the service files that could not be loaded (at
// start or at the last reload), each with its file, line and reason, then
// the services whose file loaded but that could not be created (their log
// directory refused, say), until they are.
func (s *Supervisor) ConfigErrors(ctx context.Context) ([]transport.ConfigError, error) {
	errs, err := s.currentLoadErrors(ctx)
	if err != nil {
		return nil, err
	}
	return allConfigErrors(errs), nil
}

// currentLoadErrors asks the config actor for the file errors of its last
// scan (the errors of the first load without a config actor).
func (s *Supervisor) currentLoadErrors(ctx context.Context) ([]error, error) {
	if err := s.waitFor(ctx, false); err != nil {
		return nil, err
	}
	if s.config == nil {
		return s.loadErrs, nil
	}
	reply := make(chan []error, 1)
	s.sys.Root.Send(s.config, &configErrorsQuery{reply: reply})
	select {
	case errs := <-reply:
		return errs, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-s.done:
		return nil, ErrNotRunning
	}
}

// Events returns the recent events (of service, or of all services when it
// is empty) and, with follow, a channel of the live ones that starts right
// after them. The channel is closed when ctx is done, when the supervisor
// shuts down (after the stop of every service it stops then), or when the
// caller falls too far behind (the stream's Dropped then reports true).
// service need not be defined: one removed keeps its past events, one not
// defined yet gets those it will have. The events are the caller's (their
// slices and exit code too): changing them changes nothing else.
func (s *Supervisor) Events(ctx context.Context, service string, follow bool) (transport.EventStream, error) {
	if service != "" {
		if err := config.ValidateName(service); err != nil {
			return transport.EventStream{}, fmt.Errorf("%w: %w", transport.ErrInvalidArgument, err)
		}
	}
	if err := s.waitFor(ctx, false); err != nil {
		return transport.EventStream{}, err
	}
	reply := make(chan subscription, 1)
	// Ends the subscription when the caller goes away (the hub closes the
	// channel); the hub removes the hook when it ends the stream first
	// (its reader fell behind, or the supervisor stops).
	unsubscribe := func(id uint64) {
		select {
		case <-s.done:
		default:
			s.sys.Root.Send(s.events, &unsubscribe{id: id})
		}
	}
	s.sys.Root.Send(s.events, &subscribe{service: service, follow: follow, reply: reply, ctx: ctx, unsubscribe: unsubscribe})
	var sub subscription
	select {
	case sub = <-reply:
	case <-ctx.Done():
		return transport.EventStream{}, ctx.Err()
	case <-s.done:
		return transport.EventStream{}, ErrNotRunning
	}
	stream := transport.EventStream{History: sub.history, Live: sub.live}
	if sub.dropped != nil {
		stream.Dropped = sub.dropped.Load
	}
	return stream, nil
}

// Reload makes the supervisor follow its config dir: new files start
// (with AutoStart), removed ones stop gracefully and are forgotten, changed
// ones restart with their new configuration (a stopped one just takes it),
// unchanged ones are left alone. A file that fails to load is reported and
// its service keeps its previous configuration. A missing or unreadable
// config dir, or one replaced by a directory another supervisor holds
// (the lock moves to the directory the path names: see config.DirLock),
// is an error wrapping transport.ErrConfigUnavailable, and nothing
// changes. Reload returns once the changes are under way and the
// services it adds exist: one that could not be created (its log
// directory refused, say) is not in Added but an error of its file, and
// the next reload tries again.
func (s *Supervisor) Reload(ctx context.Context) (transport.ReloadResult, error) {
	return s.reload(ctx, false)
}

// CheckConfig validates the config dir as a reload would, and applies
// nothing. It also checks each valid service against this machine, as its
// start would find it: a program, a working directory, a User= or Group=
// that would make the start fail now is an error of its file.
func (s *Supervisor) CheckConfig(ctx context.Context) ([]transport.ConfigError, error) {
	out, err := s.reloadOutcome(ctx, true)
	errs := out.result.Errors
	if err != nil || out.hostCheck == nil {
		return errs, err
	}
	more, err := checkServicesHost(ctx, out.valid, out.hostCheck)
	return append(errs, more...), err
}

func (s *Supervisor) reload(ctx context.Context, dryRun bool) (transport.ReloadResult, error) {
	out, err := s.reloadOutcome(ctx, dryRun)
	return out.result, err
}

// reloadOutcome reloads the config dir, or checks it (dryRun). A reload is
// carried out in its turn among the commands that act (see inOrder); a
// check, which changes nothing, is not once its caller gives up.
func (s *Supervisor) reloadOutcome(ctx context.Context, dryRun bool) (reloadOutcome, error) {
	if !dryRun {
		return inOrder(s, ctx, func(ctx context.Context, sent func()) (reloadOutcome, error) {
			s.restoreSocket()
			return s.askReload(ctx, false, sent)
		})
	}
	if err := s.waitFor(ctx, true); err != nil {
		return reloadOutcome{}, err
	}
	return s.askReload(ctx, true, func() {})
}

// askReload asks the config actor for a reload or a check (dryRun), then
// calls sent, and waits for the outcome.
func (s *Supervisor) askReload(ctx context.Context, dryRun bool, sent func()) (reloadOutcome, error) {
	if s.config == nil {
		return reloadOutcome{}, fmt.Errorf("%w: this supervisor has no config dir", transport.ErrConfigUnavailable)
	}
	reply := make(chan reloadOutcome, 1)
	s.sys.Root.Send(s.config, &reloadConfig{dryRun: dryRun, reply: reply})
	sent()
	select {
	case r := <-reply:
		// The lists are also the reload event's, which the hub keeps and
		// the notifiers encode: the caller gets its own.
		res := &r.result
		res.Added, res.Removed, res.Changed = slices.Clone(res.Added), slices.Clone(res.Removed), slices.Clone(res.Changed)
		res.Unchanged, res.Errors, res.Warnings = slices.Clone(res.Unchanged), slices.Clone(res.Errors), slices.Clone(res.Warnings)
		return r, r.err
	case <-ctx.Done():
		return reloadOutcome{}, ctx.Err()
	case <-s.cut:
		return reloadOutcome{}, errShutdown
	}
}

// restoreSocket makes the control socket's file again if it is gone
// (removed by hand, or by a cleaner of old files in /tmp): without it no
// CLI reaches superd, and a SIGHUP is what is left to ask for it. It says
// so in the log, and why not when it cannot.
func (s *Supervisor) restoreSocket() {
	if s.unix == nil {
		return
	}
	made, err := s.unix.Restore()
	switch {
	case made && err != nil:
		s.log.Warn("the control socket had been removed: created again", "socket", s.unix.Path(), "err", err)
	case err != nil:
		s.log.Error("the control socket is missing or replaced, and was not created again", "err", err)
	case made:
		s.log.Warn("the control socket had been removed: created again", "socket", s.unix.Path())
	}
}

// ask sends the message built by msg to the services supervisor and waits
// for its reply; act says whether the message acts (see ErrNotRunning). An
// unknown name whose file failed to load gets that failure appended, so the
// user sees why the service does not exist.
func (s *Supervisor) ask(ctx context.Context, name string, act bool, msg func(replyTo) any) (transport.ServiceStatus, error) {
	if err := config.ValidateName(name); err != nil {
		return transport.ServiceStatus{}, fmt.Errorf("%w: %w", transport.ErrInvalidArgument, err)
	}
	reply := make(chan result, 1)
	if err := s.send(ctx, act, msg(reply)); err != nil {
		return transport.ServiceStatus{}, err
	}
	end, endErr := s.end(act)
	select {
	case r := <-reply:
		if errors.Is(r.err, transport.ErrUnknownService) && s.dismantled() {
			// Its actor is gone, not the service.
			return transport.ServiceStatus{}, errDismantled
		}
		// Errors from the config actor's on-demand load already say why
		// (they carry a parenthesised reason); plain ones get the file's.
		if errors.Is(r.err, transport.ErrUnknownService) && !strings.Contains(r.err.Error(), "(") {
			var created *creationError
			switch why := s.loadError(ctx, name); {
			case errors.Is(why, errNotLoadedYet):
				r.err = fmt.Errorf("%w (%s%s is not loaded yet: a reload, or a start of it, loads it)", r.err, name, config.FileSuffix)
			case errors.As(why, &created):
				r.err = fmt.Errorf("%w (%s)", r.err, oneLine(why.Error())) // "service NAME not created: ..."
			case why != nil:
				r.err = fmt.Errorf("%w (%s%s could not be loaded: %s)", r.err, name, config.FileSuffix, oneLine(why.Error()))
			}
		}
		return callersStatus(r.status), r.err
	case <-ctx.Done():
		return transport.ServiceStatus{}, ctx.Err()
	case <-end:
		return transport.ServiceStatus{}, endErr
	}
}

// callersStatus returns st with a start time and last exit of its own:
// the actors' statuses point at their records, which the caller must be
// free to change without changing them.
func callersStatus(st transport.ServiceStatus) transport.ServiceStatus {
	if st.StartedAt != nil {
		t := *st.StartedAt
		st.StartedAt = &t
	}
	if st.LastExit != nil {
		e := *st.LastExit
		if e.Code != nil {
			code := *e.Code
			e.Code = &code
		}
		st.LastExit = &e
	}
	return st
}

// waitFor is wait for a call that acts if act is true (one that is
// refused once the shutdown has begun), or for a query. A query made
// while Run stops what a previous superd left gets errLeftovers at once:
// an operator asking what is going on is told, where a command waits to
// be carried out.
func (s *Supervisor) waitFor(ctx context.Context, act bool) error {
	if !act && s.leftovers.Load() {
		return errLeftovers
	}
	if err := s.wait(ctx); err != nil {
		return err
	}
	if !act && s.dismantled() {
		return errDismantled
	}
	if act {
		select {
		case <-s.stopping:
			return errShutdown
		case <-s.runDone: // set before ready, which wait saw closed
			return errShutdown
		default:
		}
	}
	return nil
}

// end returns what ends the wait for an answer, and the error it gives: a
// call that acts waits until the shutdown cuts it, a query until Run
// returns.
func (s *Supervisor) end(act bool) (<-chan struct{}, error) {
	if act {
		return s.cut, errShutdown
	}
	return s.done, ErrNotRunning
}

// dismantled reports whether Run has begun to take the actors down. An
// answer received afterwards may have been made after some of them were
// gone: the poison that takes them down is sent once dismantling is
// closed, so whoever receives such an answer sees it closed.
func (s *Supervisor) dismantled() bool {
	select {
	case <-s.dismantling:
		return true
	default:
		return false
	}
}

// errDismantled answers the queries once Run takes the actors down.
var errDismantled = fmt.Errorf("%w (shutting down)", ErrNotRunning)

// wait blocks until the supervisor is ready.
func (s *Supervisor) wait(ctx context.Context) error {
	select {
	case <-s.done:
		return ErrNotRunning
	default:
	}
	select {
	case <-s.ready:
		// A select picks at random among the ready cases: a context
		// already done must still win, or a canceled call would act.
		return ctx.Err()
	case <-s.done:
		return ErrNotRunning
	case <-ctx.Done():
		return ctx.Err()
	}
}

// loadError returns the load error of NAME.service, if it failed to load,
// why service name could not be created (a *creationError), or
// errNotLoadedYet for a valid file written since the last load.
func (s *Supervisor) loadError(ctx context.Context, name string) error {
	errs, _ := s.currentLoadErrors(ctx)
	for _, err := range errs {
		var created *creationError
		if errors.As(err, &created) {
			if created.name == name {
				return err
			}
			continue
		}
		var e *config.Error
		if errors.As(err, &e) && filepath.Base(e.File) == name+config.FileSuffix {
			return err
		}
	}
	if s.cfg.ConfigDir == "" {
		return nil
	}
	// Written since the last load (no reload yet, or a start that failed
	// to load it on demand): read it now. Only on this error path.
	path := filepath.Join(s.cfg.ConfigDir, name+config.FileSuffix)
	switch _, err := config.ParseFile(path); {
	case err == nil:
		return errNotLoadedYet
	case !serviceFileMissing(err):
		return err
	}
	return nil
}

// errNotLoadedYet is loadError's answer for a valid service file written
// since the last load: not a service until a reload, or a start of it,
// loads it.
var errNotLoadedYet = errors.New("not loaded yet")

// oneLine joins the lines of a multi-error message.
func oneLine(s string) string { return strings.ReplaceAll(s, "\n", "; ") }

// send sends m to the services supervisor once waitFor lets it; a
// message that acts in the order asked (see cmdOrder).
func (s *Supervisor) send(ctx context.Context, act bool, m any) error {
	if !act {
		if err := s.waitFor(ctx, false); err != nil {
			return err
		}
		s.sys.Root.Send(s.services, m)
		return nil
	}
	t := s.order.enter()
	select {
	case <-s.ready:
	default:
		return s.sendWhenReady(ctx, t, func() error {
			s.sys.Root.Send(s.services, m)
			return nil
		})
	}
	if err := s.waitFor(ctx, true); err != nil {
		t.resolve(false)
		return err
	}
	if err := t.wait(ctx); err != nil {
		t.resolve(false)
		return err
	}
	s.sys.Root.Send(s.services, m)
	t.resolve(true)
	return nil
}

// sendWhenReady is send for a command asked before the supervisor is
// ready (while Run stops what a previous superd left, say): it calls do,
// which sends the command's message, once the supervisor is ready, in t's
// turn, whether or not its caller still waits (see whenReady). Such a
// command, once asked, is carried out as one whose client stops waiting
// after it got through is (a stop goes on to its end): what errLeftovers
// tells a client that gives up. It used to be dropped, and the early stop
// it had noted taken back: "supers stop --timeout 2s web" was told the
// stop would be carried out, and web started. It returns what do returned
// once do is done; with ctx's error if ctx ends first (do is still
// called), or errShutdown once the shutdown cuts the commands (do is not:
// Run starts nothing then).
func (s *Supervisor) sendWhenReady(ctx context.Context, t *cmdTicket, do func() error) error {
	select {
	case err := <-s.whenReady(t, do):
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-s.cut:
		return errShutdown
	}
}

// whenReady calls do in a goroutine of its own once the supervisor is
// ready and every command asked before t has had its turn, then ends t's
// turn: a command that waits for its outcome (a definition written, a
// reload) keeps the commands after it waiting until do returns. The
// channel returned gets do's error, or waitFor's if Run ends or its
// shutdown begins first (do is then not called: Run starts nothing
// then); no one need read it.
func (s *Supervisor) whenReady(t *cmdTicket, do func() error) <-chan error {
	done := make(chan error, 1)
	go func() {
		// Never done: what ends this wait is readiness, or Run's end.
		bg := context.Background()
		err := s.waitFor(bg, true)
		if err == nil {
			err = t.wait(bg)
		}
		if err != nil {
			t.resolve(false)
			done <- err
			return
		}
		err = do()
		t.resolve(true)
		done <- err
	}()
	return done
}

// cmdOrder keeps the commands that act (start, stop, restart, signal, and
// the definitions written or removed and the reloads: see inOrder) in the
// order they were asked while they wait for the supervisor to be ready (a
// crashed superd's leftovers being stopped): released together, they
// would race to send their messages, and a stop asked before a start
// could come after it, and win. Once sent, the services supervisor's
// mailbox keeps their order.
type cmdOrder struct {
	mu   sync.Mutex
	last *cmdTicket // the command that entered last
}

// cmdTicket is one command's place in a cmdOrder.
type cmdTicket struct {
	prev   *cmdTicket    // the command asked before it; nil once it sent (none left to wait for)
	done   chan struct{} // closed once it sent its message or gave up
	gaveUp bool          // it gave up: those after it wait for prev instead; set before done is closed
}

// enter queues a command.
func (o *cmdOrder) enter() *cmdTicket {
	t := &cmdTicket{done: make(chan struct{})}
	o.mu.Lock()
	t.prev, o.last = o.last, t
	o.mu.Unlock()
	return t
}

// wait returns once every command asked before t has sent its message or
// given up, or with the cause of ctx's end. A command before t that gave
// up is looked through to those before it, asked before t too.
func (t *cmdTicket) wait(ctx context.Context) error {
	for p := t.prev; p != nil; {
		select {
		case <-p.done:
			if !p.gaveUp {
				return nil // it sent, after those before it had
			}
			p = p.prev
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
	return nil
}

// resolve ends t's turn: it sent its message, or gave up (its context
// ended). A command that sent lets go of those before it, which no one
// waits for any more.
func (t *cmdTicket) resolve(sent bool) {
	if sent {
		t.prev = nil
	}
	t.gaveUp = !sent
	close(t.done)
}

// earlyStops are the services the operator stopped before Run created
// them (see Supervisor.early), by name or by pattern (see Stop), and the
// starts and restarts asked meanwhile. A start or restart that comes after
// a stop does not take it back: every command noted is carried out once
// Run is ready, in the order asked, even if its client gives up (see
// sendWhenReady), so the service is created stopped, the stop finds it
// so, and the start starts it, once. Taken back, the stop had the service
// created running, then stopped it and the start started it again. The
// last command of each service is its intent (see close), which Run
// records in the state file.
type earlyStops struct {
	mu       sync.Mutex
	closed   bool
	seq      int            // the place of the last command noted, in the order asked
	stops    map[string]int // stops asked, by service: the last one's place
	starts   map[string]int // starts and restarts asked, by service: the last one's place
	patterns map[string]int // stops asked by pattern (path.Match): the last one's place
	ending   bool           // Run's shutdown has begun: nothing more is noted (see shutDown)
}

// shutDown makes e note nothing more: Run's shutdown has begun, and the
// commands received from then on are refused.
func (e *earlyStops) shutDown() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.ending = true
}

// refusing reports whether Run's shutdown has begun before the services
// were created: a start, stop or restart is then refused (errShutdown),
// and recorded nowhere.
func (e *earlyStops) refusing() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.ending && !e.closed
}

// note records a stop (stop) of service name, or a start or restart, if
// the services are not created yet. Only a command that is carried out
// may be noted: a start or restart whose client gave up before it was
// asked is not (see Start).
func (e *earlyStops) note(name string, stop bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed || e.ending {
		return
	}
	e.seq++
	noted := &e.starts
	if stop {
		noted = &e.stops
	}
	if *noted == nil {
		*noted = make(map[string]int)
	}
	(*noted)[name] = e.seq
}

// notePattern records a stop of the services that pattern, a valid
// path.Match pattern, matches, and reports whether it did: it does not
// once the services are created.
func (e *earlyStops) notePattern(pattern string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed || e.ending {
		return false
	}
	e.seq++
	if e.patterns == nil {
		e.patterns = make(map[string]int)
	}
	e.patterns[pattern] = e.seq
	return true
}

// close records nothing more, and returns the services stopped so far,
// sorted: those stopped by name, and those of names (the services
// defined) that a pattern stopped, whatever came after (see earlyStops);
// and the operator's intent for each service of names that a command
// noted stands for: stopped (true) if the last of them was a stop, by
// name or by pattern, started (false) if it was a start or restart.
func (e *earlyStops) close(names []string) (stops []string, intents map[string]bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.closed = true
	stopped := make(map[string]bool, len(e.stops))
	for name := range e.stops {
		stopped[name] = true
	}
	for _, name := range names {
		at, stop := e.stops[name], e.stops[name] > 0
		if e.starts[name] > at {
			at, stop = e.starts[name], false
		}
		for p, pat := range e.patterns {
			if ok, _ := path.Match(p, name); ok {
				stopped[name] = true
				if pat > at {
					at, stop = pat, true
				}
			}
		}
		if at > 0 {
			if intents == nil {
				intents = make(map[string]bool)
			}
			intents[name] = stop
		}
	}
	return slices.Sorted(maps.Keys(stopped)), intents
}
