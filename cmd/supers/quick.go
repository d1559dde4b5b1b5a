package main

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// runner is a command, as kong runs it once the command line is parsed.
type runner interface {
	Run(ctx context.Context, a *app) error
}

// quickLine is a command line as parseQuick understood it: the global
// flags, and the command to run, as kong would fill them in.
type quickLine struct {
	globals
	cmd runner
}

// quickFlag is one of the global flags parseQuick knows, as a bit of the
// set of flags seen.
type quickFlag uint8

// The global flags parseQuick knows: all those of globals.
const (
	flagSocket quickFlag = 1 << iota
	flagURL
	flagTokenFile
	flagJSON
	flagTimeout
)

// quickFlagNamed returns the bit of the global flag with the long name
// name ("--socket"), 0 for any other name.
func quickFlagNamed(name string) quickFlag {
	switch name {
	case "--socket":
		return flagSocket
	case "--url":
		return flagURL
	case "--token-file":
		return flagTokenFile
	case "--json":
		return flagJSON
	case "--timeout":
		return flagTimeout
	default:
		return 0
	}
}

// quickCommand returns the command named name (an alias of it included)
// with the service names given, if it is one that parseQuick runs and
// names suits it.
func quickCommand(name string, names []string) (runner, bool) {
	switch name {
	case "list", "ls":
		return &listCmd{}, len(names) == 0
	case "status":
		return &statusCmd{Names: names}, true
	case "start":
		return &startCmd{serviceNames: serviceNames{Names: names}}, len(names) > 0
	case "stop":
		return &stopCmd{serviceNames{Names: names}}, len(names) > 0
	case "restart":
		return &restartCmd{serviceNames: serviceNames{Names: names}}, len(names) > 0
	default:
		return nil, false
	}
}

// parseQuick parses the command lines supers is run with most often —
// list, status, start, stop and restart, with service names and global
// flags — as kong would, without building kong's model of the whole
// grammar first, which costs several times what the request to superd
// does.
//
// It accepts: global flags (--flag VALUE or --flag=VALUE; --json alone),
// each at most once and --socket and --url not both, anywhere; one of the
// commands above; its service names, one after the other. Anything else
// it leaves to kong by reporting false: another command or flag, help, a
// short flag, "--", a repeated flag, a flag value that starts with "-" or
// a duration that does not parse, names split by a flag, a missing name,
// an argument that is not valid UTF-8. kong then parses the line, and
// reports what is wrong with it.
//
// TestQuickGrammar checks what parseQuick assumes against kong's model of
// the grammar (the flags of each command, their kinds and defaults, the
// aliases, the hooks); TestQuickMatchesKong that both give the same output
// and exit status over a table of command lines; FuzzQuickParse that kong
// reads whatever parseQuick takes the same way.
func parseQuick(args []string) (quickLine, bool) {
	q := quickLine{globals: globals{Timeout: defaultTimeout}}
	var (
		seen       quickFlag
		command    string
		hasCommand bool
		names      []string
		namesEnded bool // a flag followed the names: no more may come
	)
	for _, arg := range args {
		if !utf8.ValidString(arg) {
			// kong reads strings through encoding/json, which replaces
			// the invalid bytes.
			return quickLine{}, false
		}
	}
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if !strings.HasPrefix(arg, "-") {
			switch {
			case !hasCommand:
				command, hasCommand = arg, true
			case namesEnded:
				return quickLine{}, false
			default:
				names = append(names, arg)
			}
			continue
		}
		name, value, inline := strings.Cut(arg, "=")
		flag := quickFlagNamed(name)
		if flag == 0 || seen&flag != 0 {
			return quickLine{}, false
		}
		seen |= flag
		if len(names) > 0 {
			namesEnded = true
		}
		if flag == flagJSON {
			if inline {
				return quickLine{}, false
			}
			q.JSON = true
			continue
		}
		if !inline {
			if i+1 == len(args) || strings.HasPrefix(args[i+1], "-") {
				return quickLine{}, false
			}
			i++
			value = args[i]
		}
		if value == "" && flag != flagTimeout && q.emptyFlag == "" {
			q.emptyFlag = name // reported as kong's parse would (see parsedGlobals)
		}
		switch flag {
		case flagSocket:
			q.Socket = value
		case flagURL:
			q.URL = value
		case flagTokenFile:
			q.TokenFile = value
		case flagTimeout:
			d, err := time.ParseDuration(value)
			if err != nil {
				return quickLine{}, false
			}
			q.Timeout, q.timeoutGiven = d, true
		}
	}
	if seen&flagSocket != 0 && seen&flagURL != 0 {
		return quickLine{}, false
	}
	cmd, ok := quickCommand(command, names)
	if !ok {
		return quickLine{}, false
	}
	q.cmd = cmd
	return q, true
}
