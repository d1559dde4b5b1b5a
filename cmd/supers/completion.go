package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/alecthomas/kong"
	kongcompletion "github.com/jotaen/kong-completion"
	"github.com/posener/complete"

	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/transport"
)

// completionCmd prints the shell code for tab completion. It is
// kong-completion's command, except that without a shell argument it reads
// $SHELL instead of asking the system for the login shell.
type completionCmd struct {
	kongcompletion.Completion
}

// Help is the long help of "supers completion --help".
func (c *completionCmd) Help() string {
	return `Without -c, prints the command that activates tab completion in your
current shell session; add it to your shell's init file to keep it.
With -c, prints the shell code itself.

Without a shell argument, the shell is taken from $SHELL.`
}

// Run prints the instructions (or with -c the code) for the chosen shell.
func (c *completionCmd) Run(kctx *kong.Context, a *app) error {
	if c.Shell == "" {
		switch shell := filepath.Base(a.getenv("SHELL")); shell {
		case "bash", "zsh", "fish":
			c.Shell = shell
		default:
			return errors.New("cannot tell which shell you use; name it: supers completion bash|zsh|fish")
		}
	}
	return c.Completion.Run(kctx)
}

// defaultCompletionTimeout bounds how long completing a service name may
// wait for superd: a slow answer is worse than none at the prompt.
// $SUPERS_COMPLETION_TIMEOUT (a Go duration) overrides it.
const defaultCompletionTimeout = 200 * time.Millisecond

// completeLine answers a shell completion request: the shell (set up by
// "supers completion") runs supers with COMP_LINE and COMP_POINT set and
// reads the candidates from stdout, one a line. The flags and commands come
// from the kong grammar; service names (arguments, and events --service) are
// asked from superd, over the connection the line's --socket, --url and
// --token-file (or the environment) name; signal completes a service, then
// a signal name; check and apply complete paths to service files.
func completeLine(ctx context.Context, parser *kong.Kong, line, point string, stdout io.Writer, getenv func(string) string) int {
	cmd, err := kongcompletion.Command(parser)
	if err != nil {
		return exitError // a broken grammar; the shell shows nothing either way
	}
	// kong-completion only completes the first of several positional
	// values; service names may repeat, so predict them at every position.
	timeout := defaultCompletionTimeout
	if d, err := time.ParseDuration(getenv("SUPERS_COMPLETION_TIMEOUT")); err == nil && d > 0 {
		timeout = d
	}
	var names complete.Predictor = complete.PredictNothing
	if client, err := connectionFromLine(line).client(getenv); err == nil {
		names = serviceNamePredictor(ctx, client, timeout)
	}
	for _, sub := range []string{"status", "start", "stop", "restart", "logs", "cat", "edit", "rm"} {
		c := cmd.Sub[sub]
		c.Args = names
		cmd.Sub[sub] = c
	}
	signal := cmd.Sub["signal"]
	signal.Args = signalArgsPredictor(names)
	cmd.Sub["signal"] = signal
	events := cmd.Sub["events"]
	events.GlobalFlags["--service"] = names
	cmd.Sub["events"] = events
	for _, sub := range []string{"check", "apply"} {
		c := cmd.Sub[sub]
		c.Args = complete.PredictFiles("*" + config.FileSuffix)
		cmd.Sub[sub] = c
	}

	args := parseCompLine(line, point)
	for _, option := range cmd.Predict(args) {
		if strings.HasPrefix(option, args.Last) {
			fmt.Fprintln(stdout, option)
		}
	}
	return exitOK
}

// serviceNamePredictor predicts the names of the services superd knows,
// minus those already on the line.
func serviceNamePredictor(ctx context.Context, client *transport.Client, timeout time.Duration) complete.Predictor {
	return complete.PredictFunc(func(a complete.Args) []string {
		if strings.HasPrefix(a.Last, "-") {
			return nil
		}
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		services, err := client.List(ctx)
		if err != nil {
			return nil
		}
		var names []string
		for _, s := range services {
			if !slices.Contains(a.Completed, s.Name) && !strings.ContainsFunc(s.Name, unicode.IsSpace) {
				names = append(names, s.Name)
			}
		}
		return names
	})
}

// commonSignals returns the signal names completion offers for signal's
// second argument.
func commonSignals() []string {
	return []string{"HUP", "INT", "QUIT", "KILL", "USR1", "USR2", "TERM", "CONT", "STOP", "WINCH"}
}

// signalArgsPredictor predicts signal's arguments: a service name, then a
// signal name.
func signalArgsPredictor(names complete.Predictor) complete.Predictor {
	return complete.PredictFunc(func(a complete.Args) []string {
		if strings.HasPrefix(a.Last, "-") {
			return nil
		}
		// a.Completed holds the words after "signal". Count the
		// positional ones, flags and their values aside (only --timeout
		// and the connection flags take one, unless given with "=").
		positional := 0
		for j := 0; j < len(a.Completed); j++ {
			switch w := a.Completed[j]; {
			case w == "--timeout" || w == "--socket" || w == "--url" || w == "--token-file":
				j++
			case !strings.HasPrefix(w, "-"):
				positional++
			}
		}
		switch positional {
		case 0:
			return names.Predict(a)
		case 1:
			return commonSignals()
		default:
			return nil
		}
	})
}

// parseCompLine splits the line being completed (cut at point, the cursor
// position) the way posener/complete does: the first word is the program,
// the last the word being completed ("" after a space).
func parseCompLine(line, point string) complete.Args {
	if p, err := strconv.Atoi(point); err == nil && p >= 0 && p < len(line) {
		line = line[:p]
	}
	words := strings.Fields(line)
	if line != "" && unicode.IsSpace(rune(line[len(line)-1])) {
		words = append(words, "")
	}
	// Complete the value part of --flag=value.
	if n := len(words); n > 0 {
		if flag, value, ok := strings.Cut(words[n-1], "="); ok {
			words = append(words[:n-1], flag, value)
		}
	}
	var a complete.Args
	if len(words) > 0 {
		a.All = words[1:]
		a.Completed = a.All[:max(len(a.All)-1, 0)]
		a.Last = words[len(words)-1]
	}
	if len(a.Completed) > 0 {
		a.LastCompleted = a.Completed[len(a.Completed)-1]
	}
	return a
}
