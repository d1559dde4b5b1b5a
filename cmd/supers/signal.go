package main

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/supers-dev/supers/config"
)

type signalCmd struct {
	Name   string `arg:"" name:"name" help:"The service."`
	Signal string `arg:"" optional:"" name:"signal" help:"A signal name, with or without SIG, in any case (HUP, sigusr1), a real-time signal on Linux (RTMIN+3, RTMAX-1), or a number. As with kill, -HUP, -9 or -s HUP works too, before or after the name."`
	// SignalFlag is kill's "-s SIG" form of the signal.
	SignalFlag string `name:"signal" short:"s" placeholder:"SIG" help:"The signal, as kill -s takes it (instead of the <signal> argument)."`
}

// Run asks superd to send the signal to the service's process group and
// prints "sent SIGHUP to web (pid 123)" (a number named too: "9" as
// SIGKILL), or with --json the service's status as superd returns it.
// superd decides which signals exist: an unknown one, like a service that
// is not running, is reported with superd's message (exit 1); an unknown
// service exits 4.
func (c *signalCmd) Run(ctx context.Context, a *app) error {
	if err := checkNames("signal", c.Name); err != nil {
		return err
	}
	if isDashSignal(c.Signal) { // "supers signal web -- -9"
		c.Signal = c.Signal[1:]
	}
	switch {
	case c.Signal != "" && c.SignalFlag != "":
		return &usageError{command: "signal", msg: fmt.Sprintf("only one signal can be given: %s and %s", oneLine(c.Signal), oneLine(c.SignalFlag))}
	case c.SignalFlag != "":
		c.Signal = c.SignalFlag
	case c.Signal == "":
		return &usageError{command: "signal", msg: fmt.Sprintf(`expected "<signal>", the signal to send to %s (HUP, -HUP or -s HUP)`, oneLine(c.Name))}
	}
	rctx, cancel := a.commandContext(ctx)
	defer cancel()
	st, err := a.client.Signal(rctx, c.Name, c.Signal)
	if err != nil {
		return a.serviceError("signal", c.Name, err)
	}
	if a.json {
		return writeJSON(a.stdout, st)
	}
	line := fmt.Sprintf("sent %s to %s", signalLabel(c.Signal), oneLine(c.Name))
	if st.PID != 0 {
		line += fmt.Sprintf(" (pid %d)", st.PID)
	}
	_, err = fmt.Fprintln(a.stdout, line)
	return err
}

// signalLabel names a signal the way superd accepted it: by the canonical
// name config.NormalizeSignal (superd's own) gives, "hup", "SigHup" and
// "1" as "SIGHUP". A signal it does not know (which a newer superd might)
// is named as the user gave it: a name with SIG and in upper case, a
// number as "signal 99".
func signalLabel(sig string) string {
	if canon, err := config.NormalizeSignal(sig); err == nil {
		return canon
	}
	sig = strings.TrimSpace(sig)
	if _, err := strconv.Atoi(sig); err == nil {
		return "signal " + sig
	}
	sig = strings.ToUpper(oneLine(sig))
	if !strings.HasPrefix(sig, "SIG") {
		sig = "SIG" + sig
	}
	return sig
}

// isDashSignal reports whether arg is a signal written as kill(1) takes
// it: a dash, then a number ("-9") or a name of two characters or more
// ("-HUP", "-sigusr1", "-RTMIN+1", "-RTMAX-1"). Whether the signal exists is superd's
// to say. "-h" (help) and "--flag" are not.
func isDashSignal(arg string) bool {
	rest, ok := strings.CutPrefix(arg, "-")
	if !ok || rest == "" || rest[0] == '-' {
		return false
	}
	digits := true
	for _, c := range []byte(rest) {
		switch {
		case c >= '0' && c <= '9':
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '+', c == '-': // -RTMIN+1, -RTMAX-1
			digits = false
		default:
			return false
		}
	}
	return digits || len(rest) >= 2
}

// isBundledSignalFlag reports whether arg is kill's "-s SIG" written as
// one argument ("-sCONT", "-s9"): "-s" then a signal this supers knows,
// where arg without its dash is not one itself ("-sys" is SIGSYS, "-stop"
// SIGSTOP, "-sigusr1" SIGUSR1).
func isBundledSignalFlag(arg string) bool {
	rest, ok := strings.CutPrefix(arg, "-s")
	if !ok || rest == "" {
		return false
	}
	if _, err := config.NormalizeSignal(arg[1:]); err == nil {
		return false
	}
	// A signal this supers does not know ("-sFOO"): -s and its value, so
	// that superd names it as given, unless it reads as a SIG name
	// ("-sigfoo": SIGFOO, not -s igfoo).
	return !strings.HasPrefix(strings.ToUpper(arg[1:]), "SIG")
}

// dashSignalArgs returns the command line args of supers with a signal
// command's kill-style signal ("supers signal web -9", "supers signal -HUP
// web") rewritten as the signal argument the grammar has ("supers signal
// web 9"), which kong would otherwise read as an unknown short flag. A
// signal command line with such a signal that gives more than one signal
// ("supers signal web -HUP -9", "supers signal -HUP web TERM") or no name
// ("supers signal -HUP") is a *usageError naming them; one asking for
// help loses its kill-style signals, for kong to show the help. Any other
// command line is returned as it is, for kong to parse or report.
func dashSignalArgs(args []string) ([]string, error) {
	command := commandAt(args)
	if command < 0 || args[command] != "signal" {
		return args, nil
	}
	var (
		dashed  []int    // kill-style signals before any "--"
		plain   []int    // the other arguments: the name, then the signal
		flagged []string // the values of -s / --signal
		help    bool
	)
	for i := command + 1; i < len(args); i++ {
		arg := args[i]
		switch {
		case arg == "--":
			for i++; i < len(args); i++ {
				plain = append(plain, i)
			}
		case arg == "-h" || arg == "--help":
			help = true
		case isBundledSignalFlag(arg):
			// kill's "-sCONT": the -s flag with its value, for kong
			flagged = append(flagged, arg[2:])
		case strings.HasPrefix(arg, "--signal="):
			flagged = append(flagged, strings.TrimPrefix(arg, "--signal="))
		case isDashSignal(arg):
			dashed = append(dashed, i)
		case arg == "-s" || arg == "--signal":
			i++ // kill's "-s SIG": the value is the signal, not the name
			if i < len(args) {
				flagged = append(flagged, args[i])
			}
		case takesValue(arg):
			i++ // the flag's value, even if it looks like a signal
		case !strings.HasPrefix(arg, "-"):
			plain = append(plain, i)
		}
	}
	switch {
	case len(flagged) > 1 && !help:
		// kong would keep the last one without a word.
		last := len(flagged) - 1
		for n := range flagged {
			flagged[n] = oneLine(flagged[n])
		}
		return nil, &usageError{command: "signal", msg: fmt.Sprintf("only one signal can be given: %s and %s", strings.Join(flagged[:last], ", "), flagged[last])}
	case len(dashed) == 0:
		return args, nil
	case help: // whatever else is wrong: kong shows it
		out := make([]string, 0, len(args))
		for i, arg := range args {
			if !slices.Contains(dashed, i) {
				out = append(out, arg)
			}
		}
		return out, nil
	}
	// The signals given: the kill-style ones, the argument after the name
	// (the grammar's signal) and any kill-style one after "--".
	sigs := dashed
	for n, i := range plain {
		if n == 1 || n > 1 && isDashSignal(args[i]) {
			sigs = append(sigs, i)
		}
	}
	switch {
	case len(sigs) > 1:
		slices.Sort(sigs)
		given := make([]string, len(sigs))
		for n, i := range sigs {
			given[n] = oneLine(args[i])
		}
		last := len(given) - 1
		return nil, &usageError{command: "signal", msg: fmt.Sprintf("only one signal can be given: %s and %s", strings.Join(given[:last], ", "), given[last])}
	case len(plain) == 0:
		return nil, &usageError{command: "signal", msg: fmt.Sprintf(`expected "<name>", the service to send %s to`, oneLine(args[dashed[0]]))}
	}
	sig, name := dashed[0], plain[0]
	out := make([]string, 0, len(args))
	for i, arg := range args {
		switch i {
		case sig:
		case name:
			out = append(out, arg, args[sig][1:])
		default:
			out = append(out, arg)
		}
	}
	return out, nil
}

// commandAt returns the index in args of the command (the first argument
// that is neither a global flag nor a global flag's value), -1 if there is
// none before the end or a "--".
func commandAt(args []string) int {
	for i := 0; i < len(args); i++ {
		switch arg := args[i]; {
		case arg == "--":
			return -1
		case !strings.HasPrefix(arg, "-"):
			return i
		case takesValue(arg):
			i++
		}
	}
	return -1
}

// takesValue reports whether arg is a global flag whose value is the next
// argument ("--socket PATH", not "--socket=PATH").
func takesValue(arg string) bool {
	f := quickFlagNamed(arg)
	return f != 0 && f != flagJSON
}
