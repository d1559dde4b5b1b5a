package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/alecthomas/kong"

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
	Socket  string        `help:"Path of superd's control socket (default ${default}, from $$SUPERS_SOCKET if set)." default:"${socket}" placeholder:"PATH"`
	JSON    bool          `help:"Print JSON instead of a table."`
	Timeout time.Duration `help:"How long to wait for each answer from superd; 0 waits forever (default ${default})." default:"30s" placeholder:"D"`

	List       listCmd       `cmd:"" aliases:"ls" help:"List all services."`
	Status     statusCmd     `cmd:"" help:"Show the status of services (all when no name is given). Exits 3 if a named service is not running, 4 if one is unknown."`
	Start      startCmd      `cmd:"" help:"Start services."`
	Stop       stopCmd       `cmd:"" help:"Stop services."`
	Restart    restartCmd    `cmd:"" help:"Restart services."`
	Reload     reloadCmd     `cmd:"" help:"Make superd reread its configuration directory and apply what changed. Exits 1 if a file could not be loaded."`
	Check      checkCmd      `cmd:"" help:"Validate service files: without FILE, superd checks its configuration directory; with FILE..., supers checks those files itself (no superd needed). Exits 1 if one is invalid."`
	Events     eventsCmd     `cmd:"" help:"Print superd's recent events (the last 1000 it keeps), one a line; with -f keep printing new ones until interrupted. --json prints NDJSON."`
	Version    versionCmd    `cmd:"" help:"Print the versions of supers and, if reachable, superd."`
	Completion completionCmd `cmd:"" help:"Print how to activate tab completion in bash, zsh or fish (-c: the shell code itself)."`
}

// app is what the commands share once the global flags are parsed.
type app struct {
	stdout, stderr io.Writer
	client         *transport.Client
	socket         string
	json           bool
	timeout        time.Duration
	getenv         func(string) string
}

// exitStatus is returned by commands that already reported their problems
// on stderr and only need run to exit with a specific code.
type exitStatus int

func (e exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// kongExit carries an exit requested by kong (--help) or by the completion
// command through the panic that unwinds out of kong.
type kongExit struct{ code int }

// run is the whole program: it parses args (without the program name),
// runs the command and returns the exit code. getenv stands in for
// os.Getenv.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) (code int) {
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
	parser, err := kong.New(&grammar,
		kong.Name("supers"),
		kong.Description("Control the services supervised by superd."),
		kong.Writers(stdout, stderr),
		kong.Exit(func(code int) {
			if code == kongUsageExit {
				code = exitUsage
			}
			panic(kongExit{code})
		}),
		kong.Vars{"socket": transport.SocketPathFromEnv(getenv)},
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
	)
	if err != nil { // the grammar above is broken: a bug
		fmt.Fprintf(stderr, "supers: internal error: %v\n", err)
		return exitError
	}

	if line := getenv("COMP_LINE"); line != "" {
		return completeLine(ctx, parser, line, getenv("COMP_POINT"), stdout, getenv)
	}

	kctx, err := parser.Parse(args)
	if err != nil {
		reportUsageError(stderr, err)
		return exitUsage
	}
	a := &app{
		stdout:  stdout,
		stderr:  stderr,
		client:  transport.NewClient(grammar.Socket),
		socket:  grammar.Socket,
		json:    grammar.JSON,
		timeout: grammar.Timeout,
		getenv:  getenv,
	}
	kctx.BindTo(ctx, (*context.Context)(nil))
	err = kctx.Run(a)

	var status exitStatus
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &status):
		return int(status)
	default:
		a.errorf("%s", a.describe(err))
		return exitError
	}
}

// reportUsageError prints a kong parse error and where to find help.
func reportUsageError(stderr io.Writer, err error) {
	fmt.Fprintf(stderr, "supers: error: %v\n", err)
	cmd := "supers"
	var perr *kong.ParseError
	if errors.As(err, &perr) && perr.Context != nil {
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

// errorf prints one "supers: ..." line on stderr.
func (a *app) errorf(format string, args ...any) {
	fmt.Fprintf(a.stderr, "supers: "+format+"\n", args...)
}

// describe turns an error from the client into a one-line message.
func (a *app) describe(err error) string {
	var unreachable *transport.UnreachableError
	switch {
	case errors.As(err, &unreachable):
		return unreachable.Error()
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("no answer from superd at %s within %s (see --timeout)", a.socket, a.timeout)
	default:
		return oneLine(err.Error())
	}
}

// unknownService is the message for a request about a service superd does
// not know: superd's own message when it says more than that (e.g. that the
// service's file could not be loaded, and why), else
// `unknown service "name"`.
func unknownService(name string, err error) string {
	plain := fmt.Sprintf("%s %q", transport.ErrUnknownService, name)
	var apiErr *transport.APIError
	if errors.As(err, &apiErr) {
		msg := strings.TrimSpace(apiErr.Message)
		if msg != "" && msg != plain && msg != transport.ErrUnknownService.Error() {
			return oneLine(msg)
		}
	}
	return plain
}

// withTimeout derives the context for one request.
func (a *app) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if a.timeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, a.timeout)
}

// isUnreachable reports whether err means no request can succeed, so a
// command acting on several services should stop at once.
func isUnreachable(err error) bool {
	var unreachable *transport.UnreachableError
	return errors.As(err, &unreachable)
}
