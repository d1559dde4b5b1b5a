// Command superd is the supers daemon: it runs the services defined in
// <config-dir>/*.service and serves the control socket used by supers.
//
// It is a thin wrapper: flags, logging and signals here; the supervisor
// itself is the actors package, which other programs can embed.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/supers-dev/supers/actors"
	"github.com/supers-dev/supers/actors/runstate"
	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/config/flock"
	"github.com/supers-dev/supers/config/pathsafe"
	"github.com/supers-dev/supers/logsink"
	"github.com/supers-dev/supers/transport"
)

// version is set at build time with -ldflags "-X main.version=..."; left
// "dev", main takes the one Go recorded in the binary (BuildVersion).
var version = "dev"

// cli holds superd's command-line settings (see superdFlags).
type cli struct {
	ConfigDir string
	LogDir    string
	Socket    string
	LogLevel  string
	LogFormat string
	Check     bool
	Watch     bool

	SocketGroup             string
	SocketAllowRootServices bool

	HTTP                  string
	HTTPTokenFile         string
	HTTPTLSCert           string
	HTTPTLSKey            string
	HTTPInsecure          bool
	HTTPHost              []string
	HTTPAllowEdit         bool
	HTTPAllowRootServices bool
}

func main() {
	// Before any goroutine creates a file or starts a child: the services
	// start with umask 0022, as under systemd.
	setServiceUmask()
	tuneRuntime(os.Getenv)
	version = transport.BuildVersion(version)
	os.Exit(run(os.Args[1:], logStderr()))
}

func run(args []string, stderr io.Writer) int {
	c, help, showVersion, err := parseFlags(args, os.LookupEnv)
	switch {
	case err != nil:
		fmt.Fprintf(stderr, "superd: error: %v\n", err)
		return 2
	case help:
		writeUsage(os.Stdout, transport.DefaultSocketPath())
		return 0
	case showVersion:
		fmt.Println(version)
		return 0
	}
	if c.ConfigDir == "" {
		// An empty --config-dir= or SUPER_CONFIG_DIR.
		fmt.Fprintln(stderr, "superd: error: --config-dir: empty path (from the flag or SUPER_CONFIG_DIR)")
		return 2
	}
	if c.Check {
		return check(c.ConfigDir, os.Stdout, stderr, c.checkProblems, c.serviceLogDirProblem)
	}
	// A broken stderr must not kill superd with SIGPIPE: handled (Notify),
	// it only fails the write with EPIPE. The process manager then owns
	// SIGPIPE's disposition, switching it between handled and ignored as
	// each service's IgnoreSIGPIPE= wants its children to start (exec
	// keeps an ignored one, resets a handled one): either way superd never
	// dies of it. SIGHUP too: if superd was started with it ignored
	// (nohup), Notify un-ignores it, so children start with the default
	// disposition. SIGHUP reloads the config dir; taken from here on,
	// before superd.conf is read and the host checked (a name to resolve
	// for --http), one that comes meanwhile is a reload once the services
	// run, not the end of superd.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	if c.Socket == "" {
		c.Socket = transport.DefaultSocketPath()
	}
	c.LogDir = c.logDir()
	// Under systemd, superd's stderr is the journal's stream: each line
	// carries its priority (see toJournal).
	f, isFile := stderr.(*os.File) // a duplicate of superd's stderr: see logStderr
	journal := isFile && toJournal(os.Getenv("JOURNAL_STREAM"), f)
	// superd's own log goes through a bounded queue: a stderr that is not
	// read must not block supervision (see logQueue).
	logs := newLogQueue(stderr, logQueueRecords, func(w io.Writer, dropped uint64) {
		newLogger(w, "warn", c.LogFormat, journal).Warn("superd's log output was not being read: records dropped", "dropped", dropped)
	})
	defer logs.Close(logFlushWait)
	logger := newLogger(logs, c.LogLevel, c.LogFormat, journal)
	if fi, err := os.Stat(c.ConfigDir); err == nil && !fi.IsDir() {
		// Not "superd.conf: .../superd.conf: not a directory".
		logger.Error("superd failed", "err", fmt.Errorf("--config-dir %s: not a directory", c.ConfigDir))
		return 1
	}
	// A config dir that is missing (or one another user could write) is
	// refused here, with the error Run would give once it had loaded it:
	// Run takes the socket's lock first, and a refused start must create
	// nothing (the socket's directory, its lock file).
	if err := configDirRefusal(c.ConfigDir); err != nil {
		logger.Error("superd failed", "err", fmt.Errorf("config dir: %w: %w", config.ErrServiceDir, err))
		return 1
	}
	if err := logDirRefusal(c.LogDir); err != nil {
		logger.Error("superd failed", "err", err)
		return 1
	}
	daemon, err := config.LoadDaemon(c.ConfigDir)
	if err != nil {
		logger.Error("superd failed", "err", fmt.Errorf("superd.conf: %w", err))
		return 1
	}
	if probs := c.hostProblems(daemon); len(probs) > 0 {
		logger.Error("superd failed", "err", errors.Join(probs...))
		return 1
	}
	if keys := unservedHTTPKeys(daemon); len(keys) > 0 && c.HTTP == "" {
		// As --http-allow-edit and the like without --http are refused:
		// a forgotten HTTPListen= must not go unnoticed. A warning only:
		// the settings may be kept while the API is off.
		logger.Warn(config.DaemonFile+": HTTP settings without HTTPListen= (nor --http): no HTTP API is served, they are ignored", "file", daemon.File, "keys", keys)
	}
	overrides := c.merge(daemon)

	// SIGTERM and SIGINT stop superd, and so does SIGQUIT, as supervisord
	// takes it: Go's default for it (a goroutine dump,
	// exit 2) would end every service at once, by their parent-death
	// signal. The first one stops superd; a later one is answered in the
	// log (see stopOnSignal).
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT)
	defer signal.Stop(sigs)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	sigDone, sigExited := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(sigExited)
		stopOnSignal(sigs, stop, sigDone, logger)
	}()
	defer func() { close(sigDone); <-sigExited }() // before the log's Close

	// Under systemd (Type=notify), say when the services run and when the
	// shutdown begins, and ping the watchdog (WatchdogSec=) meanwhile. The
	// services must not inherit NOTIFY_SOCKET (they would speak for
	// superd), nor the watchdog's variables.
	sd := newSDNotifier(os.Getenv)
	watchdog, err := watchdogTimeout(os.Getenv, os.Getpid())
	if err != nil {
		logger.Error("systemd's watchdog is not told that superd is alive: systemd will end superd", "err", err)
	}
	for _, k := range []string{notifySocketEnv, watchdogUsecEnv, watchdogPIDEnv} {
		_ = os.Unsetenv(k)
	}

	var httpCfg actors.HTTPConfig
	if c.HTTP != "" {
		// Without it, superd.conf's HTTP keys were warned about above, and
		// the flags refused.
		httpCfg = actors.HTTPConfig{
			Addr: c.HTTP, TokenFile: c.HTTPTokenFile, Hosts: c.HTTPHost,
			TLSCertFile: c.HTTPTLSCert, TLSKeyFile: c.HTTPTLSKey, Insecure: c.HTTPInsecure,
		}
	}
	// Remote callers are the HTTP API's: without it, superd.conf's
	// AllowEdit= and AllowRootServices= are ignored, as warned above (and
	// actors.New would refuse the second alone).
	remote := c.HTTP != ""
	sup, err := actors.New(actors.Config{
		ConfigDir:               c.ConfigDir,
		LogDir:                  c.LogDir,
		Socket:                  c.Socket,
		StateFile:               c.Socket + ".state",
		SocketGroup:             c.SocketGroup,
		HTTP:                    httpCfg,
		AllowRemoteEdit:         remote && c.HTTPAllowEdit,
		AllowRootServices:       remote && c.HTTPAllowRootServices,
		SocketAllowRootServices: c.SocketAllowRootServices,
		Subreaper:               true,
		Watch:                   c.Watch,
		Logger:                  logger,
		Version:                 version,
		DaemonOverrides:         overrides,
	})
	if err == nil {
		// Each of these ends with ctx; run waits for them, so that what
		// they still have to say (a SIGHUP's reload cut by the shutdown,
		// STOPPING=1) is said before superd exits and its log closes.
		var helpers sync.WaitGroup
		ran := make(chan struct{})
		defer func() { stop(); helpers.Wait() }()
		defer close(ran) // first, even if Run panics: reloadOnHangup waits for it
		helpers.Go(func() { reloadOnHangup(ctx, ran, sup, hup, logger) })
		helpers.Go(func() { releaseStartupMemory(ctx, sup.Ready()) })
		helpers.Go(func() { notifySystemd(ctx, sup, sd, watchdog, logger) })
		err = sup.Run(ctx)
	}
	if err != nil {
		logger.Error("superd failed", "err", err)
		return 1
	}
	return 0
}

// merge fills the settings the command line left unset from superd.conf
// (flags win), and returns the keys of its [Daemon] section whose values
// the command line replaced: a check of the config dir through superd
// does not judge them, nor does a reload warn that they changed.
func (c *cli) merge(d *config.Daemon) (overridden []string) {
	fill := func(key string, flag *string, conf string) {
		if *flag != "" {
			overridden = append(overridden, key)
		} else {
			*flag = conf
		}
	}
	// A flag set to true wins whatever the file says.
	or := func(key string, flag *bool, conf bool) {
		if *flag {
			overridden = append(overridden, key)
		}
		*flag = *flag || conf
	}
	fill("HTTPListen", &c.HTTP, d.HTTPListen)
	fill("HTTPTokenFile", &c.HTTPTokenFile, d.HTTPTokenFile)
	if c.HTTPTLSCert == "" && c.HTTPTLSKey == "" {
		// A certificate and its key go together: a flag for either
		// replaces superd.conf's pair, never half of it (a new
		// certificate with the old key would only fail to match it).
		c.HTTPTLSCert, c.HTTPTLSKey = d.HTTPTLSCertFile, d.HTTPTLSKeyFile
	} else {
		overridden = append(overridden, "HTTPTLSCertFile", "HTTPTLSKeyFile")
	}
	fill("SocketGroup", &c.SocketGroup, d.SocketGroup)
	if len(c.HTTPHost) == 0 {
		c.HTTPHost = d.HTTPHosts
	} else {
		overridden = append(overridden, "HTTPHosts")
	}
	or("HTTPInsecure", &c.HTTPInsecure, d.HTTPInsecure)
	or("AllowEdit", &c.HTTPAllowEdit, d.AllowEdit)
	or("AllowRootServices", &c.HTTPAllowRootServices, d.AllowRootServices)
	or("SocketAllowRootServices", &c.SocketAllowRootServices, d.SocketAllowRootServices)
	return overridden
}

// unservedHTTPKeys returns the keys of d's HTTP API that are set while
// HTTPListen= is not: alone, they serve nothing.
func unservedHTTPKeys(d *config.Daemon) []string {
	if d.HTTPListen != "" {
		return nil
	}
	var keys []string
	for _, k := range []struct {
		name string
		set  bool
	}{
		{"HTTPTokenFile", d.HTTPTokenFile != ""}, {"HTTPTLSCertFile", d.HTTPTLSCertFile != ""},
		{"HTTPTLSKeyFile", d.HTTPTLSKeyFile != ""}, {"HTTPInsecure", d.HTTPInsecure},
		{"HTTPHosts", len(d.HTTPHosts) > 0}, {"AllowEdit", d.AllowEdit},
		{"AllowRootServices", d.AllowRootServices},
	} {
		if k.set {
			keys = append(keys, k.name)
		}
	}
	return keys
}

// socketGroup returns the ID of the socket group, --socket-group's or else
// SocketGroup='s of d, -1 if there is none; its error names the flag or
// the key. The group is looked up once: a second lookup (slow through a
// directory service) could answer otherwise.
func (c *cli) socketGroup(d *config.Daemon) (int, error) {
	if c.SocketGroup == "" {
		return d.SocketGroupID()
	}
	gid, err := config.GroupID(c.SocketGroup)
	if err != nil {
		return -1, fmt.Errorf("--socket-group %s: %w", c.SocketGroup, err)
	}
	return gid, nil
}

// hostProblems checks, before anything starts, what the settings of d and
// of the command line (c, not yet merged) ask of the machine and parsing
// cannot judge: that the socket's path and directories can be used (and
// written by superd's user), that the socket group exists, that the
// settings keep the rules between them (superd.conf's by
// config.Daemon.CheckRules, as `supers check` applies them; the flags'
// here), and that the HTTP API's address, Host names,
// certificate and token file can be used. Each problem names the
// flag or the superd.conf key it comes from. superd --check reports them
// too, so that a configuration it passes does not stop superd from
// starting.
func (c *cli) hostProblems(d *config.Daemon) []error {
	var probs []error
	socket := c.Socket
	if socket == "" {
		socket = transport.DefaultSocketPath()
	}
	gid, gidErr := c.socketGroup(d)
	if gidErr != nil {
		probs = append(probs, gidErr)
	}
	// With the group: its members must reach the socket, and superd must
	// be allowed to give it to them.
	if err := transport.CheckSocketPathGroup(socket, gid); err != nil {
		from := "--socket " + socket
		if gid >= 0 {
			from += ", socket group " + strconv.Itoa(gid)
		}
		probs = append(probs, fmt.Errorf("%s: %w", from, err))
	} else if err := config.CheckMayCreate(socket); errors.As(err, new(*pathsafe.DanglingLinkError)) {
		// Its directory, or one above, is a link to nothing: no
		// directory is made through it (and the listen fails).
		probs = append(probs, fmt.Errorf("--socket %s: %w", socket, err))
	} else if err != nil {
		// Beside the socket go its lock and the state file: a user
		// other than root may not write the directory it names.
		probs = append(probs, fmt.Errorf("--socket %s: superd's user (uid %d) may not create the socket, its lock and the state file there: %w", socket, os.Geteuid(), err))
	}
	// The lock file beside the socket, and the state file beside it (with
	// its own lock), that superd would refuse: a symlink, a file of
	// another user, a state file others may have written.
	if err := flock.Check(socket + ".lock"); err != nil {
		probs = append(probs, fmt.Errorf("--socket %s: %w", socket, err))
	}
	// A superd running on the socket is no problem (this check may run
	// before its restart); another program listening there is.
	if err := transport.CheckSocketInUse(socket); err != nil {
		probs = append(probs, fmt.Errorf("--socket %s: %w", socket, err))
	}
	if err := runstate.Check(socket + ".state"); err != nil {
		probs = append(probs, fmt.Errorf("--socket %s: %w", socket, err))
	}
	eff := *c
	overridden := eff.merge(d)
	// The rules between superd.conf's keys are config's, which `supers
	// check` applies too (Daemon.CheckHost), in the same words; the keys
	// the flags override are the flags' to answer for, here.
	rules := ruleProblems(d, overridden)
	probs = append(probs, rules...)
	if c.SocketAllowRootServices && gid < 0 && gidErr == nil {
		probs = append(probs, errors.New("--socket-allow-root-services: no socket group to apply it to: only root and superd's user may use the socket (give --socket-group GROUP, or SocketGroup= in superd.conf)"))
	}
	if gid >= 0 && !eff.SocketAllowRootServices && !transport.PeerCredentialsSupported() {
		// Every socket client would be taken for root: the group's
		// members could write root services (see actors.Config).
		probs = append(probs, fmt.Errorf("--socket-group %s: this system cannot tell the socket's peers apart (no peer credentials), so the group's members could write root services: give --socket-allow-root-services to accept that, or no socket group", eff.SocketGroup))
	}
	if eff.HTTP == "" {
		// Without an HTTP API, its flags would be ignored: a typo'd or
		// forgotten --http must not go unnoticed.
		for _, f := range []struct {
			name  string
			given bool
		}{
			{"--http-token-file", c.HTTPTokenFile != ""}, {"--http-tls-cert", c.HTTPTLSCert != ""},
			{"--http-tls-key", c.HTTPTLSKey != ""}, {"--http-insecure", c.HTTPInsecure},
			{"--http-host", len(c.HTTPHost) > 0}, {"--http-allow-edit", c.HTTPAllowEdit},
			{"--http-allow-root-services", c.HTTPAllowRootServices},
		} {
			if f.given {
				probs = append(probs, fmt.Errorf("%s: no HTTP API to apply it to (give --http ADDR, or HTTPListen= in superd.conf)", f.name))
			}
		}
		return probs
	}
	if c.HTTPAllowRootServices && !eff.HTTPAllowEdit {
		// Over HTTP without AllowEdit, no definition is written: the
		// setting would be ignored.
		probs = append(probs, errors.New("--http-allow-root-services: HTTP clients may not write service definitions, so none can use root's powers (give --http-allow-edit, or AllowEdit=yes in superd.conf)"))
	}
	if (c.HTTPTLSCert == "") != (c.HTTPTLSKey == "") {
		// A flag for either replaces superd.conf's pair as a whole: the
		// other flag is missing, not superd.conf or --http at fault.
		given, missing := "--http-tls-cert", "--http-tls-key"
		if c.HTTPTLSKey != "" {
			given, missing = missing, given
		}
		return append(probs, fmt.Errorf("%s: needs %s too (a certificate and its key go together; either flag replaces superd.conf's pair)", given, missing))
	}
	from := "--http"
	if c.HTTP == "" {
		from = d.File + ": [Daemon] HTTPListen"
	}
	if _, _, err := net.SplitHostPort(eff.HTTP); err != nil {
		return append(probs, fmt.Errorf("%s: HTTP address %q: %w (want host:port, e.g. 127.0.0.1:8080)", from, eff.HTTP, err))
	}
	// CheckTCPOptions also wants the port a number from 0 to 65535, as
	// HTTPListen= must be: the listen would refuse another only after the
	// token file was made.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second) // bounds the name resolution
	defer cancel()
	err := transport.CheckTCPOptions(ctx, transport.TCPOptions{
		Addr: eff.HTTP, Hosts: eff.HTTPHost, Insecure: eff.HTTPInsecure,
		TLSCertFile: eff.HTTPTLSCert, TLSKeyFile: eff.HTTPTLSKey,
	})
	switch {
	case errors.Is(err, transport.ErrInsecureListen) && slices.ContainsFunc(rules, isKeyError("HTTPListen")):
		// Said by the rules already: an HTTPListen= address they judge.
	case errors.Is(err, transport.ErrInsecureListen):
		probs = append(probs, fmt.Errorf("%s: %w; or allow plain HTTP with --http-insecure (HTTPInsecure=yes in superd.conf)", from, err))
	case errors.Is(err, transport.ErrTLSFiles):
		// Not --http's or HTTPListen='s fault: the files'.
		tlsFrom := "--http-tls-cert/--http-tls-key"
		if c.HTTPTLSCert == "" {
			tlsFrom = d.File + ": [Daemon] HTTPTLSCertFile/HTTPTLSKeyFile"
		}
		probs = append(probs, fmt.Errorf("%s: %w", tlsFrom, err))
	case err != nil:
		probs = append(probs, fmt.Errorf("%s: %w", from, err))
	}
	// The token file superd would load, or create: one it would refuse
	// (its mode, owner or token), or a directory that is not there.
	tokenFile, tokenFrom := c.HTTPTokenFile, "--http-token-file"
	switch {
	case tokenFile != "":
	case d.HTTPTokenFile != "":
		tokenFile, tokenFrom = d.HTTPTokenFile, d.File+": [Daemon] HTTPTokenFile"
	default:
		if fi, err := os.Stat(c.ConfigDir); err != nil || !fi.IsDir() {
			// The config dir's own error says it (a typo in
			// --config-dir, a file): advising to create it for the
			// token would give a superd of nothing, and a token file
			// in a file is only the same error again.
			return probs
		}
		tokenFile = filepath.Join(c.ConfigDir, actors.DefaultTokenFile)
		tokenFrom = "HTTP API token (default " + tokenFile + ")"
	}
	if err := transport.CheckTokenFile(tokenFile); err != nil {
		// One that superd would create: how to do without it, its
		// directory named if missing (it is not made for the file).
		probs = append(probs, transport.TokenFileError(tokenFrom, tokenFile, err, "name another token file: --http-token-file, or HTTPTokenFile= in superd.conf"))
	}
	return probs
}

// ruleProblems returns the problems of d.CheckRules (the rules between
// superd.conf's keys), each on its own, leaving out the keys in
// overridden (those the flags set: see cli.merge).
func ruleProblems(d *config.Daemon, overridden []string) []error {
	var es config.Errors
	switch err := d.CheckRules(overridden...); {
	case err == nil:
		return nil
	case errors.As(err, &es):
		probs := make([]error, len(es))
		for i, e := range es {
			probs[i] = e
		}
		return probs
	default:
		return []error{err}
	}
}

// isKeyError returns a test of whether an error is a *config.Error about
// superd.conf's [Daemon] key.
func isKeyError(key string) func(error) bool {
	return func(err error) bool {
		var ce *config.Error
		return errors.As(err, &ce) && ce.Key == key
	}
}

// checkProblems is hostProblems and, for superd --check, the log dir's
// problem (see logDirProblem).
func (c *cli) checkProblems(d *config.Daemon) []error {
	probs := c.hostProblems(d)
	if err := c.logDirProblem(); err != nil {
		probs = append(probs, err)
	}
	return probs
}

// logDirError is a problem of the log dir: superd starts with it, but runs
// none of its services.
type logDirError struct{ error }

func (e logDirError) Unwrap() error { return e.error }

// logDirRefusal returns why superd refuses to start with the log dir
// logDir, or nil: a file that is not a directory (as actors.Supervisor.Run
// refuses it), or a symbolic link, on its path, whose target does not
// exist. Through that link no service's log directory could be made
// ("not a directory"), and superd does not make its target: where it
// points is its owner's choice, and a mkdir through a link is what the
// log paths' checks guard against elsewhere. Like a file, it is a mistake
// said at once, rather than a start that runs no service.
func logDirRefusal(logDir string) error {
	if fi, err := os.Stat(logDir); err == nil && !fi.IsDir() {
		return fmt.Errorf("log dir %s: not a directory", logDir)
	}
	if _, _, _, err := pathsafe.Existing(logDir); errors.As(err, new(*pathsafe.DanglingLinkError)) {
		return fmt.Errorf("log dir %s: %w", logDir, err)
	}
	return nil
}

// logDirProblem returns what is wrong with the log dir for superd
// --check: one superd refuses to start with (see logDirRefusal), or a
// logDirError (superd would start, and run no service: "services not
// created"): a missing one that superd's user could not create, or one
// that logsink's rules refuse for every service's logs. An existing one
// that superd's user may not create a service's log directory in is that
// service's problem (see serviceLogDirProblem): one made beforehand is
// used as it is.
func (c *cli) logDirProblem() error {
	logDir := c.logDir()
	if err := logDirRefusal(logDir); err != nil {
		return err // superd refuses to start
	}
	_, err := os.Stat(logDir)
	// As each service's logs are opened: the rule of the whole tree (for
	// a missing log dir, of the directories above it).
	if err := logsink.CheckLogDir(logDir); err != nil {
		return logDirError{fmt.Errorf("--log-dir %s: no service's logs could be written there: %w", logDir, err)}
	}
	if err == nil {
		// Each service's log directory is made in it, as superd's user,
		// unless it is there already: serviceLogDirProblem's, service by
		// service.
		return nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err := config.CheckMayCreate(logDir); err != nil {
		return logDirError{fmt.Errorf("--log-dir %s: superd's user (uid %d) may not create it, so no service could run: %w", logDir, os.Geteuid(), err)}
	}
	return nil
}

// configDirRefusal returns why the config dir cannot be loaded before
// anything is created (Run takes the socket's lock first): another user
// could write it (config.CheckDirTrusted), or it cannot be read.
func configDirRefusal(dir string) error {
	if err := config.CheckDirTrusted(dir); err != nil {
		return err
	}
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.Readdirnames(1); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// logDir is the log dir superd uses: --log-dir, or <config-dir>/logs.
func (c *cli) logDir() string {
	if c.LogDir == "" {
		return filepath.Join(c.ConfigDir, "logs")
	}
	return c.LogDir
}

// serviceLogDirProblem returns why superd's user could not make or use
// the log directory of sp in the log dir, for superd --check, or nil:
// superd would start, and not run sp ("services not created ...").
// Only for an existing log dir: a missing or refused log dir is
// logDirProblem's. A service directory that is there is refused as the
// log sink refuses it when it opens the logs: a file ("not a directory"),
// a symbolic link whose target does not exist (pathsafe.Existing's
// DanglingLinkError, which pathsafe.MakeDirs returns), or a directory (or
// a link to one) that logsink.CheckServiceDir refuses for its owner or
// modes, or those of the directories that lead to it, as superd does when
// it loads the service. One that is not there yet must be one superd's
// user may create.
func (c *cli) serviceLogDirProblem(sp *config.Service) error {
	logDir := c.logDir()
	if fi, err := os.Stat(logDir); err != nil || !fi.IsDir() {
		return nil
	}
	dir := filepath.Join(logDir, sp.Name)
	if _, err := os.Lstat(dir); !errors.Is(err, fs.ErrNotExist) {
		d, fi, missing, err := pathsafe.Existing(dir)
		switch {
		case errors.As(err, new(*pathsafe.DanglingLinkError)):
			return &config.Error{File: sp.File, Err: fmt.Errorf("its log directory cannot be made: %w", err)}
		case err != nil:
			// A loop of links, a directory on the way that may not be
			// searched: the sink's stat fails as this one did.
			return &config.Error{File: sp.File, Err: fmt.Errorf("its log directory %s: %w", dir, err)}
		case err == nil && len(missing) == 0 && !fi.IsDir():
			return &config.Error{File: sp.File, Err: fmt.Errorf("its log directory %s: not a directory", d)}
		case err == nil && len(missing) == 0:
			if err := logsink.CheckServiceDir(dir); err != nil {
				return &config.Error{File: sp.File, Err: fmt.Errorf("its logs cannot be written: %w", err)}
			}
		}
		return nil
	}
	if err := config.CheckMayCreate(dir); err != nil {
		return &config.Error{File: sp.File, Err: fmt.Errorf("its log directory cannot be made: superd's user (uid %d) may not create %s in the log dir (--log-dir): %w", os.Geteuid(), sp.Name, err)}
	}
	return nil
}

// newLogger returns superd's logger, writing to w in format (text or
// json) from level on; with journal (stderr is the journal's stream: see
// toJournal), each line begins with its level's syslog priority.
func newLogger(w io.Writer, level, format string, journal bool) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: l}
	newHandler := func(w io.Writer) slog.Handler {
		if format == "json" {
			return slog.NewJSONHandler(w, opts)
		}
		return slog.NewTextHandler(w, opts)
	}
	if journal {
		return slog.New(newJournalHandler(w, newHandler))
	}
	return slog.New(newHandler(w))
}

// stopOnSignal calls stop at the first signal of sigs, which begins
// superd's shutdown, after it logs which signal it was, and answers each later one in the log: superd is
// stopping already, each service within its TimeoutStopSec=, and a signal
// that seemed ignored would leave the operator guessing. It returns when
// done is closed.
func stopOnSignal(sigs <-chan os.Signal, stop context.CancelFunc, done <-chan struct{}, logger *slog.Logger) {
	stopping := false
	for {
		select {
		case sig := <-sigs:
			if !stopping {
				// Said first: when superd stops unexpectedly (a stray
				// kill, a Ctrl-\ in a terminal), its log tells why.
				logger.Info("shutting down on a signal", "signal", signalName(sig))
				stopping = true
				stop()
				continue
			}
			logger.Warn("already shutting down: waiting for the services to stop, each within its TimeoutStopSec (SIGABRT ends superd at once, and its services with it)", "signal", signalName(sig))
		case <-done:
			return
		}
	}
}

// signalName returns the name of sig as kill(1) and systemd say it
// (SIGTERM), rather than Go's description ("terminated"), for the
// signals that stop superd; Go's description for any other.
func signalName(sig os.Signal) string {
	switch sig {
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGQUIT:
		return "SIGQUIT"
	}
	return sig.String()
}

// reloadOnHangup runs a reload for every SIGHUP until ctx is done. A
// SIGHUP that comes while superd starts waits for the start; one that
// superd's shutdown (ctx) overtakes is not a failed reload. Once ctx is
// done, each SIGHUP is answered in the log until ran is closed (the
// services may take long to stop): ignored without a word, it would leave
// the operator believing a new service file was read.
func reloadOnHangup(ctx context.Context, ran <-chan struct{}, sup *actors.Supervisor, hup <-chan os.Signal, logger *slog.Logger) {
	const notReloaded = "SIGHUP: configuration not reloaded: superd is shutting down"
	for ctx.Err() == nil {
		select {
		case <-hup:
			logger.Info("SIGHUP: reloading the configuration")
			_, err := sup.Reload(ctx)
			switch {
			case err == nil:
			case ctx.Err() != nil || errors.Is(err, actors.ErrNotRunning):
				logger.Info(notReloaded)
			default:
				logger.Error("reload failed", "err", err)
			}
		case <-ctx.Done():
		}
	}
	for {
		select {
		case <-hup:
			logger.Warn(notReloaded)
		case <-ran:
			return
		}
	}
}

// printErrors writes each of errs to w, each of its lines after
// "error: ".
func printErrors(w io.Writer, errs []error) {
	for _, err := range errs {
		fmt.Fprintf(w, "error: %s\n", strings.ReplaceAll(err.Error(), "\n", "\nerror: "))
	}
}

// check validates dir like a reload would, superd.conf included (superd
// refuses to start with an invalid one), then each valid service against
// the machine (actors.CheckHost, then service if not nil: see
// cli.serviceLogDirProblem) and what superd.conf and the command line ask
// of it (host: see cli.hostProblems), and reports every error.
func check(dir string, stdout, stderr io.Writer, host func(*config.Daemon) []error, service func(*config.Service) error) int {
	specs, errs := config.LoadDir(dir)
	if len(errs) == 1 && errors.Is(errs[0], config.ErrServiceDir) {
		fmt.Fprintf(stderr, "error: config dir: %v\n", errs[0])
		// What the command line alone asks is checked all the same: the
		// next run would meet it once the dir is fixed.
		printErrors(stderr, host(&config.Daemon{}))
		return 1
	}
	invalid := len(errs)
	// What would make a valid service's start fail on this machine now.
	unstartable := 0
	for _, sp := range specs {
		err := actors.CheckHost(sp)
		if err == nil && service != nil {
			err = service(sp)
		}
		if err != nil {
			errs = append(errs, err)
			unstartable++
		}
	}
	daemonNote := ""
	if d, err := config.LoadDaemon(dir); err != nil {
		errs = append(errs, err)
		daemonNote = ", " + config.DaemonFile + " invalid"
		// What the command line alone asks (the socket, the lock and
		// state files, the log dir) is checked all the same.
		errs = append(errs, host(&config.Daemon{})...)
	} else if probs := host(d); len(probs) > 0 {
		errs = append(errs, probs...)
		daemonNote = ", superd could not start with " + config.DaemonFile + " and the command line"
		if d.File == "" { // there is no superd.conf
			daemonNote = ", superd could not start with the command line"
		}
		if !slices.ContainsFunc(probs, func(err error) bool { _, ok := err.(logDirError); return !ok }) {
			daemonNote = ", superd would run none of them with the log dir"
		}
	}
	printErrors(stderr, errs)
	if len(errs) > 0 {
		startNote := ""
		if unstartable > 0 {
			startNote = fmt.Sprintf(" (%d of them could not start on this machine now)", unstartable)
		}
		fmt.Fprintf(stderr, "%s: %d service file(s) invalid, %d valid%s%s\n", dir, invalid, len(specs), startNote, daemonNote)
		return 1
	}
	fmt.Fprintf(stdout, "%s: %d service file(s) valid\n", dir, len(specs))
	return 0
}
