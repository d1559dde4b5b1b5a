package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http/httptrace"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/alecthomas/kong"

	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/notify"
	"github.com/supers-dev/supers/transport"
)

// Exit codes.
const (
	exitOK         = 0
	exitError      = 1
	exitUsage      = 2
	exitNotRunning = 3
	exitUnknown    = 4

	// kongUsageExit is the code kong uses for usage errors.
	kongUsageExit = 80
)

// cli is the command line grammar.
type cli struct {
	globals

	List       listCmd       `cmd:"" aliases:"ls" help:"List all services."`
	Status     statusCmd     `cmd:"" help:"Show the status of services (all when no name is given). Exits 3 if a named service is not running, 4 if one is unknown."`
	Usage      usageCmd      `cmd:"" help:"Show what the processes of running services use: how many, their memory (RSS) and CPU time (all running services when no name is given). Exits 3 if a named service is not running, 4 if one is unknown."`
	Start      startCmd      `cmd:"" help:"Start services. Exits 4 if one is unknown, 1 if one could not be started."`
	Stop       stopCmd       `cmd:"" help:"Stop services. Exits 4 if one is unknown, 1 if one could not be stopped."`
	Restart    restartCmd    `cmd:"" help:"Restart services. Exits 4 if one is unknown, 1 if one could not be restarted."`
	Reload     reloadCmd     `cmd:"" help:"Make superd reread its configuration directory and apply what changed. Exits 1 if a file could not be loaded."`
	Check      checkCmd      `cmd:"" help:"Validate service files: without FILE, superd checks its configuration directory, and each service against the machine (its program, working directory, user); with FILE..., supers checks those files itself, their syntax and values only, as for another machine (no superd needed; an EnvironmentFile= it cannot find or read is no error). Exits 1 if one is invalid."`
	Signal     signalCmd     `cmd:"" help:"Send a signal to a service's processes. Exits 1 if the service is not running or the signal is unknown, 4 if the service is unknown."`
	Logs       logsCmd       `cmd:"" help:"Print the last lines of a service's output (stdout; stderr with --stderr, both with --both); with -f keep printing new output until interrupted. Exits 4 if the service is unknown."`
	Events     eventsCmd     `cmd:"" help:"Print superd's recent events (the last 1000 it keeps, at most 100 of any one service), one a line; with -f keep printing new ones until interrupted. --json prints NDJSON."`
	Cat        catCmd        `cmd:"" help:"Print the service file of a service as superd has it (--json: with its hash). Exits 4 if the service has no file."`
	Apply      applyCmd      `cmd:"" help:"Create or replace services from local NAME.service files: superd validates, writes and applies each one. Exits 1 if one was not applied."`
	Edit       editCmd       `cmd:"" help:"Edit the service file of a service in $$VISUAL or $$EDITOR, then have superd validate and apply it. Exits 4 if the service has no file (apply creates one)."`
	Rm         rmCmd         `cmd:"" help:"Stop and remove services, moving their files to superd's trash. Exits 4 if a service has no file."`
	Version    versionCmd    `cmd:"" help:"Print the versions of supers and, if reachable, superd."`
	Completion completionCmd `cmd:"" help:"Print how to activate tab completion in bash, zsh or fish (-c: the shell code itself)."`
}

// globals are the flags that may come before or after any command. Their
// values are "" when not given: the environment and the defaults apply
// then (see connection). parseQuick knows them too.
type globals struct {
	Socket    string        `help:"Path of superd's control socket (default ${socket}, from $$SUPERS_SOCKET if set)." placeholder:"PATH" xor:"target"`
	URL       string        `name:"url" help:"Talk to superd's HTTP API at URL (http[s]://HOST:PORT) instead of the socket; needs --token-file. From $$SUPERS_URL if set." placeholder:"URL" xor:"target"`
	TokenFile string        `help:"File holding the bearer token for --url (from $$SUPERS_TOKEN_FILE if set)." placeholder:"FILE"`
	JSON      bool          `help:"Print JSON instead of text (events: one object a line); logs, edit and completion print no JSON."`
	Timeout   time.Duration `help:"How long to wait for each answer from superd; 0 waits forever (default ${default}). Without it, start, stop and restart wait as long as superd is stopping the service (its TimeoutStopSec), and the commands that act as long as superd is still starting." default:"30s" placeholder:"D"`

	// timeoutGiven is whether --timeout was on the command line (kong
	// leaves unexported fields alone: see parsedGlobals).
	timeoutGiven bool
	// emptyFlag is the first of --socket, --url and --token-file given
	// with an empty value ("--socket="), which must not read as not given
	// (that would fall back to $SUPERS_URL, say); "" if none.
	emptyFlag string
}

// defaultTimeout is the default of --timeout, as its tag says.
const defaultTimeout = 30 * time.Second

// app is what the commands share once the global flags are parsed.
type app struct {
	stdin          io.Reader // for an editor
	stdout, stderr io.Writer
	client         *transport.Client // nil for a command that never talks to superd (see offline)
	target         string            // where client talks to: the socket path or the URL
	json           bool
	timeout        time.Duration
	getenv         func(string) string
	// timeoutGiven is whether the user gave --timeout: then it bounds a
	// stop however long superd takes (see waitOp).
	timeoutGiven bool
	// defaultSocket is whether client talks to the default socket path,
	// which no flag or variable named (see systemSocketHint).
	defaultSocket bool
	// configErrs, once asked for, are superd's config errors (see
	// configErrors).
	configErrs *[]transport.ConfigError
	// configErrsDone, if not nil, is closed when the request that
	// prefetchConfigErrors started has ended, with its answer in
	// configErrs or its error in configErrsErr.
	configErrsDone chan struct{}
	configErrsErr  error
}

// exitStatus is returned by commands that already reported their problems
// on stderr and only need run to exit with a specific code.
type exitStatus int

func (e exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// kongExit carries an exit requested by kong (--help) or by the completion
// command through the panic that unwinds out of kong.
type kongExit struct{ code int }

// run is the whole program: it parses args (without the program name),
// runs the command and returns the exit code. stdin is only passed on to
// an editor (edit); getenv stands in for os.Getenv.
//
// The command lines supers is run with most often (list, status, start,
// stop and restart, see parseQuick) skip building kong's model of the
// grammar, which costs more than the request itself; the others, and tab
// completion, go through kong.
//
// --version (or -V) alone prints supers' own version and exits 0, without
// asking superd, as packagers' smoke tests and superd --version expect.
// It is read here, before kong: as a flag of the grammar it would be one
// of the global flags, which parseQuick must all know (see TestQuickGrammar).
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	if getenv("COMP_LINE") == "" {
		if len(args) == 1 && (args[0] == "--version" || args[0] == "-V") {
			if _, err := fmt.Fprintln(stdout, versionLine()); err != nil {
				fmt.Fprintf(stderr, "supers: %s\n", oneLine(err.Error()))
				return exitError
			}
			return exitOK
		}
		if q, ok := parseQuick(args); ok {
			return execute(q.globals, false, stdin, stdout, stderr, getenv, func(a *app) error { return q.cmd.Run(ctx, a) })
		}
	}
	return runKong(ctx, args, stdin, stdout, stderr, getenv)
}

// versionLine is supers' own version, as --version and the version
// command (first) print it: "supers VERSION (GO VERSION)".
func versionLine() string {
	return fmt.Sprintf("supers %s (%s)", version, runtime.Version())
}

// newParser returns the kong parser of grammar.
func newParser(grammar *cli, stdout, stderr io.Writer, getenv func(string) string) (*kong.Kong, error) {
	return kong.New(grammar,
		kong.Name("supers"),
		kong.Description("Control the services supervised by superd."),
		kong.Writers(stdout, stderr),
		kong.Exit(func(code int) {
			if code == kongUsageExit {
				code = exitUsage
			}
			panic(kongExit{code})
		}),
		kong.Vars{"socket": transport.SocketPathFromEnv(getenv), "logTail": strconv.Itoa(transport.DefaultLogTail),
			"eventTypes": strings.Join(notify.Types(), ", ")},
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
	)
}

// runKong is run with kong parsing the command line: any command line,
// --help, usage errors and tab completion.
func runKong(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) (code int) {
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(kongExit)
			if !ok {
				panic(r)
			}
			code = e.code
		}
	}()

	var grammar cli
	parser, err := newParser(&grammar, stdout, stderr, getenv)
	if err != nil { // the grammar is broken: a bug
		fmt.Fprintf(stderr, "supers: internal error: %v\n", err)
		return exitError
	}

	if line := getenv("COMP_LINE"); line != "" {
		return completeLine(ctx, parser, line, getenv("COMP_POINT"), args, stdout, getenv)
	}

	args, err = dashSignalArgs(args)
	if err != nil {
		reportUsageError(stderr, err)
		return exitUsage
	}
	kctx, err := parser.Parse(flagsBeforeNames(args))
	if err != nil {
		if !isUsageError(err) {
			// --help whose text could not be written (stdout full or
			// closed): an output error as any other, which "Run ...
			// --help" would not help with.
			fmt.Fprintf(stderr, "supers: %s\n", oneLine(err.Error()))
			return exitError
		}
		reportUsageError(stderr, err)
		return exitUsage
	}
	return execute(parsedGlobals(&grammar, kctx), offline(&grammar, kctx), stdin, stdout, stderr, getenv, func(a *app) error {
		kctx.BindTo(ctx, (*context.Context)(nil))
		return kctx.Run(a)
	})
}

// isUsageError reports whether err, from kong's Parse, is about the
// command line. kong gives its usage errors their own exit code; any other
// error it returns comes from running a hook, which for supers is printing
// --help, and is not the command line's fault.
func isUsageError(err error) bool {
	var perr *kong.ParseError
	return !errors.As(err, &perr) || perr.ExitCode() == kongUsageExit
}

// parsedGlobals returns the global flags kong parsed into grammar, with
// what kong does not record in them: whether --timeout was given.
func parsedGlobals(grammar *cli, kctx *kong.Context) globals {
	g := grammar.globals
	for _, p := range kctx.Path {
		if p.Flag == nil {
			continue
		}
		switch name := p.Flag.Name; {
		case name == "timeout":
			g.timeoutGiven = true
		case g.emptyFlag != "":
		case name == "socket" && g.Socket == "", name == "url" && g.URL == "", name == "token-file" && g.TokenFile == "":
			g.emptyFlag = "--" + name
		}
	}
	return g
}

// offline reports whether the command kong parsed into grammar never
// talks to superd: check with files (supers parses them itself) and
// completion.
func offline(grammar *cli, kctx *kong.Context) bool {
	switch kctx.Selected().Name {
	case "completion":
		return true
	case "check":
		return len(grammar.Check.Files) > 0
	}
	return false
}

// execute runs a parsed command line: it makes the client the global
// flags g ask for, calls runCmd with the app and returns the exit code its
// error means, after reporting the error on stderr. A command that never
// talks to superd (offline) gets no client: the connection's flags and
// environment ($SUPERS_URL without a readable token file, say) cannot make
// it fail.
func execute(g globals, offline bool, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string, runCmd func(*app) error) int {
	if g.Timeout < 0 {
		reportUsageError(stderr, &usageError{msg: fmt.Sprintf("--timeout: %s is negative (0 waits forever)", g.Timeout)})
		return exitUsage
	}
	if g.emptyFlag != "" {
		reportUsageError(stderr, &usageError{msg: g.emptyFlag + ": empty value"})
		return exitUsage
	}
	a := &app{
		stdin:   stdin,
		stdout:  stdout,
		stderr:  stderr,
		json:    g.JSON,
		timeout: g.Timeout,
		getenv:  getenv,

		timeoutGiven: g.timeoutGiven,
	}
	if !offline {
		conn := connection{socket: g.Socket, url: g.URL, tokenFile: g.TokenFile}
		client, err := conn.client(getenv)
		if err != nil {
			var usage *usageError
			if errors.As(err, &usage) {
				reportUsageError(stderr, err)
				return exitUsage
			}
			fmt.Fprintf(stderr, "supers: %s\n", oneLine(err.Error()))
			return exitError
		}
		a.client, a.target, a.defaultSocket = client, client.Target(), conn.defaultSocket(getenv)
	}
	err := runCmd(a)

	var (
		status exitStatus
		usage  *usageError
	)
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &status):
		return int(status)
	case errors.As(err, &usage):
		reportUsageError(stderr, err)
		return exitUsage
	default:
		a.errorf("%s", a.describe(err))
		return exitError
	}
}

// reportUsageError prints a usage error (kong's, or a *usageError) and
// where to find help.
func reportUsageError(stderr io.Writer, err error) {
	fmt.Fprintf(stderr, "supers: error: %s\n", usageText(err))
	cmd := "supers"
	var (
		perr  *kong.ParseError
		usage *usageError
	)
	switch {
	case errors.As(err, &usage) && usage.command != "":
		cmd += " " + usage.command
	case errors.As(err, &perr) && perr.Context != nil:
		var path []string
		for n := perr.Context.Selected(); n != nil && n.Type == kong.CommandNode; n = n.Parent {
			path = append([]string{n.Name}, path...)
		}
		if len(path) > 0 {
			cmd += " " + strings.Join(path, " ")
		}
	}
	fmt.Fprintf(stderr, "Run %q for usage.\n", cmd+" --help")
}

// namesCommand reports whether command takes several names (or files),
// and which flags of its own take a value.
func namesCommand(command string) (valueFlags []string, ok bool) {
	switch command {
	case "stop", "status", "usage", "check", "apply":
		return nil, true
	case "start", "restart":
		return []string{"--min-uptime"}, true
	case "logs":
		return []string{"-n", "--lines"}, true
	case "rm":
		return []string{"--if-match"}, true
	}
	return nil, false
}

// flagsBeforeNames returns args with the flags given among the names of a
// command that takes several ("supers start web --json db") moved before
// the first name, as systemctl takes them anywhere: kong stops reading a
// list of names at the first flag, and said "unexpected argument db".
// Everything after "--" stays where it is; any other command line is
// returned as it is.
func flagsBeforeNames(args []string) []string {
	command := commandAt(args)
	if command < 0 {
		return args
	}
	own, ok := namesCommand(args[command])
	if !ok {
		return args
	}
	var flags, names, last []string
	rest := len(args)
	for i := command + 1; i < len(args); i++ {
		arg := args[i]
		switch {
		case arg == "--":
			rest = i
			i = len(args)
		case arg == "-" || !strings.HasPrefix(arg, "-"):
			names = append(names, arg)
		case takesValue(arg) || slices.Contains(own, arg) || bundleTakesValue(arg, own):
			if i+1 == len(args) {
				// Given last, without its value: it stays last, where
				// kong says the value is missing, instead of taking
				// the first name for it.
				last = []string{arg}
				continue
			}
			flags = append(flags, arg, args[i+1])
			i++
		default:
			flags = append(flags, arg)
		}
	}
	out := make([]string, 0, len(args))
	out = append(out, args[:command+1]...)
	out = append(out, flags...)
	out = append(out, names...)
	out = append(out, last...)
	return append(out, args[rest:]...)
}

// bundleTakesValue reports whether arg is a bundle of short flags
// ("-fn") whose last one takes a value (listed in own, as "-n"): the next
// argument is that value ("logs web -fn 3", as tail takes it).
func bundleTakesValue(arg string, own []string) bool {
	if len(arg) < 3 || arg[0] != '-' || arg[1] == '-' {
		return false
	}
	for _, c := range arg[1:] {
		if !unicode.IsLetter(c) {
			return false // "-n3": the value is in it
		}
	}
	return slices.Contains(own, "-"+arg[len(arg)-1:])
}

// kongNoValue ends kong's message for a flag given last, without its
// value: `--socket: expected string value but got "EOL" (<EOL>)`.
const kongNoValue = ` value but got "EOL" (<EOL>)`

// usageText is the text of a usage error, with kong's wording for a
// missing flag value made plain: "--socket: missing value".
func usageText(err error) string {
	msg := err.Error()
	if before, after, ok := strings.Cut(msg, kongNoValue); ok {
		if i := strings.LastIndex(before, "expected "); i >= 0 {
			return before[:i] + "missing value" + after
		}
	}
	return msg
}

// errorf prints one "supers: ..." line on stderr.
func (a *app) errorf(format string, args ...any) {
	fmt.Fprintf(a.stderr, "supers: "+format+"\n", args...)
}

// describe turns an error from the client into a one-line message.
func (a *app) describe(err error) string {
	var (
		unreachable *transport.UnreachableError
		notDone     *notDoneError
	)
	switch {
	case errors.As(err, &unreachable):
		if a.defaultSocket {
			return unreachable.Error() + systemSocketHint(unreachable, systemSocket, os.Geteuid())
		}
		return unreachable.Error()
	case errors.As(err, &notDone):
		return notDone.Error()
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("no answer from superd at %s within %s (see --timeout)", a.target, a.timeout)
	case errors.Is(err, transport.ErrUnauthorized):
		return "superd refused the token (401): check --token-file"
	case errors.Is(err, transport.ErrForbidden):
		return "superd refused the request (403): " + refusal(err)
	default:
		return oneLine(err.Error())
	}
}

// refusal is superd's reason for a 403, without the "forbidden" that the
// status already says; "not allowed" when superd gave none.
func refusal(err error) string {
	var apiErr *transport.APIError
	msg := ""
	if errors.As(err, &apiErr) {
		msg = strings.TrimSpace(apiErr.Message)
		msg = strings.TrimPrefix(msg, transport.ErrForbidden.Error())
		msg = strings.TrimSpace(strings.TrimPrefix(msg, ":"))
	}
	if msg == "" {
		return "not allowed"
	}
	return oneLine(msg)
}

// unknownService is the message for a request about a service superd does
// not know: superd's own message when it says more than that (e.g. that the
// service's file could not be loaded, and why), else
// `unknown service "name"`. A name ending in ".service", as systemctl
// takes it, gets a hint naming the service without the suffix.
func unknownService(name string, err error) string {
	plain := fmt.Sprintf("%s %q", transport.ErrUnknownService, name)
	msg := plain
	var apiErr *transport.APIError
	if errors.As(err, &apiErr) {
		m := strings.TrimSpace(apiErr.Message)
		if m != "" && m != plain && m != transport.ErrUnknownService.Error() {
			msg = oneLine(m)
		}
	}
	if bare, ok := strings.CutSuffix(name, config.FileSuffix); ok && bare != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", bare)
	}
	return msg
}

// allHint is what follows the message about an unknown service name from
// a command that takes --all (status, start, stop, restart): for "all",
// which supervisorctl's users type, a pointer to --all; else "".
func allHint(name string) string {
	if name == "all" {
		return " (did you mean --all?)"
	}
	return ""
}

// serviceError turns the error of a request about the service name into
// what a command returns: nil for nil; an unknown service is reported as
// status does (exit 4); superd unreachable or refusing the token is
// returned as it is; any other error is reported as "VERB NAME: ..." (exit
// 1).
func (a *app) serviceError(verb, name string, err error) error {
	switch {
	case err == nil:
		return nil
	case isFatal(err):
		return err
	case errors.Is(err, transport.ErrUnknownService):
		a.errorf("%s", unknownService(name, err))
		return exitStatus(exitUnknown)
	default:
		a.errorf("%s %s: %s", verb, name, a.describe(err))
		return exitStatus(exitError)
	}
}

// withTimeout derives the context for one request.
func (a *app) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if a.timeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, a.timeout)
}

// untilAnswered returns ctx bounded by --timeout until superd's answer
// starts (its first byte), and no longer: a followed stream (logs -f,
// events -f) has no end of its own, but a superd that never answers (it
// is frozen, or something else listens on the socket) must not make it
// wait forever. A timeout cancels ctx with the cause
// context.DeadlineExceeded. release frees the timer.
func (a *app) untilAnswered(ctx context.Context) (_ context.Context, release func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	if a.timeout <= 0 {
		return ctx, func() { cancel(nil) }
	}
	timer := time.AfterFunc(a.timeout, func() { cancel(context.DeadlineExceeded) })
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotFirstResponseByte: func() { timer.Stop() }})
	return ctx, func() { timer.Stop(); cancel(nil) }
}

// whileStarting runs open, the request of a followed stream (logs -f,
// events -f), each try bounded by untilAnswered, and runs it again every
// startingPollInterval while superd answers that it is still starting
// (stopping what a crashed superd left running): a follower waits for that
// as the commands that act do (see commandContext). Without --timeout
// given, it waits for as long as superd says so; with it, until it has
// passed, and then says so with what superd says (a *notDoneError naming
// verb, "" for none).
func (a *app) whileStarting(ctx context.Context, verb string, open func(context.Context) error) error {
	var deadline time.Time
	if a.timeoutGiven && a.timeout > 0 {
		deadline = time.Now().Add(a.timeout)
	}
	for {
		actx, release := a.untilAnswered(ctx)
		err := open(actx)
		release()
		msg, starting := superdUnavailable(err)
		switch {
		case !starting || ctx.Err() != nil:
			return err
		case !deadline.IsZero() && !time.Now().Before(deadline):
			return &notDoneError{verb: verb, timeout: a.timeout, msg: msg}
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(startingPollInterval):
		}
	}
}

// isFatal reports whether err means no request can succeed (superd cannot
// be reached, or refuses the token), or that supers's output cannot be
// written (stdout full or closed), so a command acting on several
// services should stop at once.
func isFatal(err error) bool {
	var (
		unreachable *transport.UnreachableError
		output      *outputError
	)
	return errors.As(err, &unreachable) || errors.Is(err, transport.ErrUnauthorized) || errors.As(err, &output)
}
