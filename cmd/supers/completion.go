package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/alecthomas/kong"
	"github.com/posener/complete"

	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/notify"
	"github.com/supers-dev/supers/transport"
)

// completionCmd prints the shell code for tab completion, or how to
// activate it. Its flags and output are those of kong-completion's
// command, which it replaces; without a shell argument it reads $SHELL.
//
// The shell is no kong enum: an optional enum argument needs "" among its
// values, and kong's error for another shell listed that "" too.
type completionCmd struct {
	Shell string `arg:"" help:"The name of the shell you are using: bash, zsh or fish" default:""`
	Code  bool   `short:"c" help:"Generate the initialization code"`
}

// shells are the shells completion knows.
var shells = []string{"bash", "zsh", "fish"}

// Help is the long help of "supers completion --help".
func (c *completionCmd) Help() string {
	return `Without -c, prints the command that activates tab completion in your
current shell session; add it to your shell's init file to keep it.
With -c, prints the shell code itself.

Without a shell argument, the shell is taken from $SHELL.

Completing a service name asks superd for the names, and offers none if
it has not answered within ` + defaultCompletionTimeout.String() + ` (a slow answer is worse than none
at the prompt): $` + completionTimeoutEnv + ` (a duration: 1s, 500ms) sets
another limit, for a remote or busy superd.`
}

// Run prints the instructions (or with -c the code) for the chosen shell.
func (c *completionCmd) Run(kctx *kong.Context, a *app) error {
	switch {
	case c.Shell == "":
		shell := filepath.Base(a.getenv("SHELL"))
		if !slices.Contains(shells, shell) {
			return &usageError{command: "completion", msg: "cannot tell which shell you use; name it: supers completion bash|zsh|fish"}
		}
		c.Shell = shell
	case !slices.Contains(shells, c.Shell):
		return &usageError{command: "completion", msg: fmt.Sprintf("completion: unknown shell %q: name bash, zsh or fish", c.Shell)}
	}
	bin, err := os.Executable()
	if err == nil {
		bin, err = filepath.Abs(bin)
	}
	if err != nil {
		return fmt.Errorf("couldn't determine absolute path to binary: %w", err)
	}
	sh := completionShell(c.Shell, kctx.Model.Name, bin, kctx.Selected().Name)
	out := sh.code
	if !c.Code {
		out = "Execute the following command to activate tab completion for " + kctx.Model.Name + " in " + sh.name + ":\n\n" +
			"    " + sh.activate + "\n\n" +
			"Note that this only takes effect for your current shell session. For permanent activation (beyond the current shell session), you can e.g. paste this command into your " +
			sh.name + "’s init file, which usually is: " + sh.initFile
	}
	_, err = fmt.Fprint(a.stdout, out+"\n")
	return err
}

// shellCompletion is how to set up tab completion in one shell.
type shellCompletion struct {
	name     string
	code     string // the shell code that sets it up
	activate string // the command that runs the code
	initFile string // the shell's usual init file, where activate goes
}

// completionShell returns the set-up of tab completion of program, at
// path bin, in shell (bash, zsh or fish); command is the name of the
// command that prints the code.
//
// bin is quoted when it needs to be: bash runs the command of complete -C
// as a command line of its own, so a path with a space must be quoted
// twice there, and fish's function runs it as a command.
func completionShell(shell, program, bin, command string) shellCompletion {
	bashCode := "complete -o default -o bashdefault -C " + bin + " " + program
	fishBin := bin
	if strings.ContainsFunc(bin, needsQuoting) {
		bashCode = "complete -o default -o bashdefault -C " + doubleQuote(singleQuote(bin)) + " " + program
		fishBin = "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(bin) + "'"
	}
	switch shell {
	case "zsh":
		return shellCompletion{
			name:     shell,
			code:     "autoload -U +X bashcompinit && bashcompinit\n" + bashCode,
			activate: "source <(" + program + " " + command + " -c zsh)",
			initFile: "~/.zshrc",
		}
	case "fish":
		return shellCompletion{
			name: shell,
			code: "function __complete_" + program + "\n" +
				"    set -lx COMP_LINE (commandline -cp)\n" +
				"    test -z (commandline -ct)\n" +
				"    and set COMP_LINE \"$COMP_LINE \"\n" +
				"    " + fishBin + "\n" +
				"end\n" +
				"complete -f -c " + program + " -a \"(__complete_" + program + ")\"",
			activate: program + " " + command + " -c fish | source",
			initFile: "~/.config/fish/config.fish",
		}
	default:
		return shellCompletion{
			name:     "bash",
			code:     bashCode,
			activate: "source <(" + program + " " + command + " -c bash)",
			initFile: "~/.bashrc",
		}
	}
}

// needsQuoting reports whether r, in a path, makes a shell read it other
// than as one plain word.
func needsQuoting(r rune) bool {
	return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+,:@%=", r))
}

// singleQuote quotes s for a POSIX shell.
func singleQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// doubleQuote quotes s for a POSIX shell, between double quotes.
func doubleQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "$", `\$`, "`", "\\`").Replace(s) + `"`
}

// defaultCompletionTimeout bounds how long completing a service name may
// wait for superd: a slow answer is worse than none at the prompt.
// $SUPERS_COMPLETION_TIMEOUT (completionTimeoutEnv; a Go duration)
// overrides it.
const defaultCompletionTimeout = 200 * time.Millisecond

// completionTimeoutEnv names the environment variable that replaces
// defaultCompletionTimeout; "supers completion --help" and the README
// name it.
const completionTimeoutEnv = "SUPERS_COMPLETION_TIMEOUT"

// completeLine answers a shell completion request: the shell (set up by
// "supers completion") runs supers with COMP_LINE and COMP_POINT set and
// reads the candidates from stdout, one a line. The flags and commands come
// from the kong grammar (see completionCommand); service names (arguments,
// and events --service) are asked from superd, over the connection the
// line's --socket, --url and --token-file (or the environment) name; signal
// completes a service, then a signal name; check and apply complete paths
// to service files, and check to superd.conf (superd.conf.new...) too.
//
// args are supers' arguments: bash (and zsh's bashcompinit) pass the
// program's name, the word being completed and the one before it. bash
// splits that word at the characters of COMP_WORDBREAKS, '@' among them,
// and replaces only what follows with the candidate: completing
// "getty@t", it passes "@t" and expects "@tty1", not "getty@tty1". The
// candidates lose the part of the line's word that bash left out.
func completeLine(ctx context.Context, parser *kong.Kong, line, point string, args []string, stdout io.Writer, getenv func(string) string) int {
	cmd := completionCommand(parser.Model.Node)
	// completionCommand only completes the first of several positional
	// values; service names may repeat, so predict them at every position.
	timeout := defaultCompletionTimeout
	if d, err := time.ParseDuration(getenv(completionTimeoutEnv)); err == nil && d > 0 {
		timeout = d
	}
	var names complete.Predictor = complete.PredictNothing
	if client, err := connectionFromLine(line).client(getenv); err == nil {
		names = serviceNamePredictor(ctx, client, timeout)
	}
	for _, sub := range []string{"status", "usage", "start", "stop", "restart", "logs", "cat", "edit", "rm"} {
		c := cmd.Sub[sub]
		c.Args = names
		cmd.Sub[sub] = c
	}
	signal := cmd.Sub["signal"]
	signal.Args = signalArgsPredictor(names)
	// completionCommand put -s and --signal in GlobalFlags, as every flag:
	// give them the signal names there, and nowhere else, or both maps
	// offer them.
	for _, flag := range []string{"-s", "--signal"} {
		signal.GlobalFlags[flag] = complete.PredictSet(commonSignals()...)
	}
	cmd.Sub["signal"] = signal
	if args, ok := cmd.Sub["completion"].Args.(*positionalPredictor); ok && len(args.predictors) > 0 {
		args.predictors[0] = complete.PredictSet(shells...)
	}
	events := cmd.Sub["events"]
	events.GlobalFlags["--service"] = names
	events.GlobalFlags["--type"] = complete.PredictSet(notify.Types()...)
	cmd.Sub["events"] = events
	for sub, patterns := range map[string][]string{
		"apply": {"*" + config.FileSuffix},
		// check takes a superd.conf too, or a candidate such as
		// superd.conf.new.
		"check": {"*" + config.FileSuffix, config.DaemonFile + "*"},
	} {
		c := cmd.Sub[sub]
		c.Args = predictFiles(patterns...)
		cmd.Sub[sub] = c
	}

	a := parseCompLine(line, point)
	cut := ""
	if len(args) >= 2 && len(args[1]) < len(a.Last) && strings.HasSuffix(a.Last, args[1]) {
		cut = a.Last[:len(a.Last)-len(args[1])]
	}
	for _, option := range cmd.Predict(a) {
		// "" is no candidate (kong's optional enums list it).
		if option != "" && strings.HasPrefix(option, a.Last) {
			fmt.Fprintln(stdout, option[len(cut):])
		}
	}
	return exitOK
}

// predictFiles predicts the paths of the files that match one of
// patterns, and of directories, as complete.PredictFiles does for one
// pattern: each once.
func predictFiles(patterns ...string) complete.Predictor {
	return complete.PredictFunc(func(a complete.Args) []string {
		var paths []string
		for _, pattern := range patterns {
			for _, path := range complete.PredictFiles(pattern).Predict(a) {
				if !slices.Contains(paths, path) {
					paths = append(paths, path)
				}
			}
		}
		return paths
	})
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
// signal name, unless the signal was given as kill takes it (-s SIG,
// --signal=SIG, -sSIG, -SIG or -9).
func signalArgsPredictor(names complete.Predictor) complete.Predictor {
	return complete.PredictFunc(func(a complete.Args) []string {
		if sig, ok := strings.CutPrefix(a.Last, "-s"); ok && sig != "" {
			// kill's stuck form, -sSIG.
			var stuck []string
			for _, s := range commonSignals() {
				if strings.HasPrefix(s, sig) {
					stuck = append(stuck, "-s"+s)
				}
			}
			return stuck
		}
		if strings.HasPrefix(a.Last, "-") {
			return nil
		}
		// a.Completed holds the words after "signal". Count the
		// positional ones, flags and their values aside (only --timeout,
		// the connection flags and -s take one, unless given with "=" or,
		// for -s, stuck to it).
		positional, flagged := 0, false
		for j := 0; j < len(a.Completed); j++ {
			switch w := a.Completed[j]; {
			case w == "--timeout" || w == "--socket" || w == "--url" || w == "--token-file":
				j++
			case w == "-s" || w == "--signal":
				j++
				flagged = true
			case strings.HasPrefix(w, "--signal=") || isDashSignal(w): // -sHUP is one too
				flagged = true
			case !strings.HasPrefix(w, "-"):
				positional++
			}
		}
		switch {
		case positional == 0:
			return names.Predict(a)
		case positional == 1 && !flagged:
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

// completionCommand returns the completion of the command node and its
// subcommands, as kong-completion made it: each command's subcommands;
// its flags, long and short, each followed by what its value may be (a
// bool flag takes none, an enum one of its values, another anything);
// its positional arguments, the values of enums, counted past the flags
// (see positionalPredictor). Hidden commands and flags are not offered.
func completionCommand(node *kong.Node) complete.Command {
	cmd := complete.Command{Sub: complete.Commands{}, GlobalFlags: complete.Flags{}}
	for _, child := range node.Children {
		if child != nil && !child.Hidden {
			cmd.Sub[child.Name] = completionCommand(child)
		}
	}
	args := &positionalPredictor{}
	for _, flag := range node.Flags {
		if flag == nil {
			continue
		}
		names := []string{"--" + flag.Name}
		if flag.Short != 0 {
			names = append(names, "-"+string(flag.Short))
		}
		if !flag.Hidden {
			for _, name := range names {
				cmd.GlobalFlags[name] = valuePredictor(flag.Value)
			}
		}
		// A hidden flag is still a flag when counting positions.
		if flag.IsBool() {
			args.boolFlags = append(args.boolFlags, names...)
		} else {
			args.argFlags = append(args.argFlags, names...)
		}
	}
	for _, arg := range node.Positional {
		args.predictors = append(args.predictors, valuePredictor(arg))
	}
	cmd.Args = args
	return cmd
}

// valuePredictor predicts the values of v: none for a bool, its values
// for an enum, anything (nothing in particular) otherwise.
func valuePredictor(v *kong.Value) complete.Predictor {
	switch {
	case v.IsBool():
		return complete.PredictNothing
	case v.Enum != "":
		values := make([]string, 0, len(v.EnumMap()))
		for value := range v.EnumMap() {
			values = append(values, value)
		}
		return complete.PredictSet(values...)
	default:
		return complete.PredictAnything
	}
}

// positionalPredictor predicts a command's positional arguments: the
// predictor of the argument at the position being completed, positions
// being counted over the words after the command that are neither its
// flags nor the values of its flags.
type positionalPredictor struct {
	predictors []complete.Predictor // one an argument
	argFlags   []string             // the command's flags that take a value
	boolFlags  []string             // the command's flags that take none
}

// Predict implements complete.Predictor.
func (p *positionalPredictor) Predict(a complete.Args) []string {
	position := 0
	for i := range a.Completed {
		if !p.isFlagOrValue(a, i) {
			position++
		}
	}
	if position >= len(p.predictors) || p.predictors[position] == nil {
		return []string{}
	}
	return p.predictors[position].Predict(a)
}

// isFlagOrValue reports whether a.All[i] is one of the command's flags or
// the value of one.
func (p *positionalPredictor) isFlagOrValue(a complete.Args, i int) bool {
	if i >= len(a.All) {
		return false
	}
	name, _, _ := strings.Cut(a.All[i], "=")
	if slices.Contains(p.boolFlags, name) || slices.Contains(p.argFlags, name) {
		return true
	}
	if i == 0 || strings.Contains(a.All[i-1], "=") {
		return false
	}
	return slices.Contains(p.argFlags, a.All[i-1])
}
