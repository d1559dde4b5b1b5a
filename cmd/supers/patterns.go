package main

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/supers-dev/supers/transport"
)

// isPattern reports whether arg, given where a service name goes, is a
// shell pattern (web-*, worker-[12], db?) rather than a name: it has one
// of the characters * ? [, which no service name may contain.
func isPattern(arg string) bool {
	return strings.ContainsAny(arg, "*?[")
}

// shellPattern returns pattern, a shell pattern, as path.Match reads
// one: a bracket expression negated the shell's way, "[!...]", is negated
// path.Match's way, "[^...]" (path.Match reads "[!w]" as "! or w", the
// opposite of what a shell user means). Nothing else changes; "!" never
// occurs in a service name.
func shellPattern(pattern string) string {
	if !strings.Contains(pattern, "[!") {
		return pattern
	}
	b := []byte(pattern)
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++ // escapes the next byte
		case '[':
			j := i + 1
			if j < len(b) && b[j] == '!' {
				b[j] = '^'
			}
			if j < len(b) && b[j] == '^' {
				j++
			}
			if j < len(b) && b[j] == ']' {
				j++ // first in the class: a "]" like any other byte
			}
			for j < len(b) && b[j] != ']' {
				if b[j] == '\\' {
					j++
				}
				j++
			}
			i = j // the class's "]"
		}
	}
	return string(b)
}

// reportUnmatched reports each pattern of unmatched (see expand), which
// matches no service, and returns the exit status that stands for them:
// exitUnknown if there is one, exitOK if not.
func (a *app) reportUnmatched(verb string, unmatched []string) int {
	for _, p := range unmatched {
		a.errorf("%s: no service matches %q", verb, p)
	}
	if len(unmatched) > 0 {
		return exitUnknown
	}
	return exitOK
}

// expand returns the service names args stand for, in order and each
// once: a name as given, a pattern (see isPattern) as the services superd
// knows that it matches (path.Match), sorted; with all (--all), every
// service superd knows and no args. unmatched are the patterns that match
// none. superd is asked for its services only when a pattern or all is
// given; a name is checked for its syntax (checkNames), not looked up
// (the command reports an unknown one). A malformed pattern ("web-[") is
// a *usageError naming it. With wait (a command that acts), the list of
// superd's services is awaited while superd is starting (see knownServices),
// as the command itself would be.
func (a *app) expand(ctx context.Context, verb string, args []string, all, wait bool) (names, unmatched []string, err error) {
	switch {
	case all && len(args) > 0:
		return nil, nil, &usageError{command: verb, msg: verb + ": give service names (or patterns) or --all, not both"}
	case !all && len(args) == 0:
		return nil, nil, &usageError{command: verb, msg: verb + ": give service names (or patterns such as 'web-*'), or --all"}
	}
	if !all && !slices.ContainsFunc(args, isPattern) {
		if err := checkNames(verb, args...); err != nil {
			return nil, nil, err
		}
		// Each once: "restart web db web" restarted web twice at once.
		return onceEach(args), nil, nil
	}
	for _, arg := range args {
		if !isPattern(arg) {
			if err := checkNames(verb, arg); err != nil {
				return nil, nil, err
			}
		} else if _, err := path.Match(shellPattern(arg), ""); err != nil {
			return nil, nil, &usageError{command: verb, msg: verb + ": " + strconv.Quote(arg) + " is not a valid pattern (* ? [...])"}
		}
	}
	var early []string // see knownServices
	if wait && verb == "stop" {
		early = earlyStopPatterns(args, all)
	}
	list, err := a.knownServices(ctx, verb, wait, early)
	if err != nil {
		return nil, nil, err
	}
	known := make([]string, len(list))
	for i, st := range list {
		known[i] = st.Name
	}
	slices.Sort(known)
	if all {
		return known, nil, nil
	}
	seen := make(map[string]bool)
	add := func(name string) {
		if !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
	}
	for _, arg := range args {
		if !isPattern(arg) {
			add(arg)
			continue
		}
		matched := false
		pattern := shellPattern(arg)
		for _, name := range known {
			if ok, _ := path.Match(pattern, name); ok {
				matched = true
				add(name)
			}
		}
		if !matched {
			unmatched = append(unmatched, arg)
		}
	}
	return names, unmatched, nil
}

// startingPollInterval is how often knownServices asks superd again for
// its services while superd says that it is still starting.
const startingPollInterval = 250 * time.Millisecond

// earlyStopPatterns returns the patterns (path.Match) that stand for the
// services a stop of args, or of --all (all), names: "*" for --all, each
// pattern of args as path.Match reads it (shellPattern), each name as a
// pattern that matches it alone ("[w]eb").
func earlyStopPatterns(args []string, all bool) []string {
	if all {
		return []string{"*"}
	}
	out := make([]string, len(args))
	for i, arg := range args {
		if isPattern(arg) {
			out[i] = shellPattern(arg)
		} else {
			out[i] = "[" + arg[:1] + "]" + arg[1:] // a name starts with a letter or digit
		}
	}
	return out
}

// knownServices returns the services superd knows. Without wait it is one
// request, bounded by --timeout: a query, which superd answers at once,
// with a 503 while it is starting. With wait (start, stop or restart of
// --all or of a pattern), it asks again while superd says so, for as long
// as commandContext lets a command wait for superd's start: a superd
// restarted after a crash, stopping what its predecessor left running,
// holds "supers stop web" until it is done, and "supers stop --all" must
// not fail at once instead. A --timeout given that passes meanwhile is
// reported with what superd says, as act does for a name.
//
// The first time superd says it is starting, each pattern of early (a
// stop's, see earlyStopPatterns) is sent to superd as a stop: superd
// then creates the services it matches stopped, as it does those a stop
// by name asked then, where the stops sent by name once it is ready
// found them started, and a one-shot job ran. A superd that does not
// take a pattern (an older one, or one ready meanwhile) refuses it: the
// stops by name then do what they did.
func (a *app) knownServices(ctx context.Context, verb string, wait bool, early []string) ([]transport.ServiceStatus, error) {
	if !wait {
		rctx, cancel := a.withTimeout(ctx)
		defer cancel()
		return a.client.List(rctx)
	}
	rctx, release := a.commandContext(ctx)
	defer release()
	msg := "" // what superd said last, while it was starting
	for {
		list, err := a.client.List(rctx)
		m, starting := superdUnavailable(err)
		switch {
		case err == nil:
			return list, nil
		case starting:
			msg = m
			for _, p := range early {
				_, _ = a.client.Stop(rctx, p) // superd's "starting" if it took it; see above
			}
			early = nil
		case rctx.Err() == nil || msg == "":
			return nil, err
		}
		select {
		case <-rctx.Done():
		case <-time.After(startingPollInterval):
			continue
		}
		cause := context.Cause(rctx)
		switch {
		case !errors.Is(cause, context.DeadlineExceeded):
			return nil, err // the caller's context ended
		case a.timeoutGiven:
			// superd said it was starting until --timeout passed.
			return nil, &notDoneError{verb: verb, timeout: a.timeout, msg: msg}
		}
		return nil, fmt.Errorf("%s: listing the services: %w", verb, cause)
	}
}

// onceEach returns names without the repeats, each where it first comes.
func onceEach(names []string) []string {
	seen := make(map[string]bool, len(names))
	out := make([]string, 0, len(names))
	for _, name := range names {
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	return out
}
