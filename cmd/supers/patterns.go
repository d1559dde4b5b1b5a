package main

import (
	"context"
	"path"
	"slices"
	"strconv"
	"strings"
)

// isPattern reports whether arg, given where a service name goes, is a
// shell pattern (web-*, worker-[12], db?) rather than a name: it has one
// of the characters * ? [, which no service name may contain.
func isPattern(arg string) bool {
	return strings.ContainsAny(arg, "*?[")
}

// expand returns the service names args stand for, in order and each
// once: a name as given, a pattern (see isPattern) as the services superd
// knows that it matches (path.Match), sorted; with all (--all), every
// service superd knows and no args. unmatched are the patterns that match
// none. superd is asked for its services only when a pattern or all is
// given; a name is checked for its syntax (checkNames), not looked up
// (the command reports an unknown one). A malformed pattern ("web-[") is
// a *usageError naming it.
func (a *app) expand(ctx context.Context, verb string, args []string, all bool) (names, unmatched []string, err error) {
	switch {
	case all && len(args) > 0:
		return nil, nil, &usageError{command: verb, msg: verb + ": give service names (or patterns) or --all, not both"}
	case !all && len(args) == 0:
		return nil, nil, &usageError{command: verb, msg: verb + ": give service names (or patterns such as 'web-*'), or --all"}
	}
	if !all && !slices.ContainsFunc(args, isPattern) {
		return args, nil, checkNames(verb, args...)
	}
	for _, arg := range args {
		if !isPattern(arg) {
			if err := checkNames(verb, arg); err != nil {
				return nil, nil, err
			}
		} else if _, err := path.Match(arg, ""); err != nil {
			return nil, nil, &usageError{command: verb, msg: verb + ": " + strconv.Quote(arg) + " is not a valid pattern (* ? [...])"}
		}
	}
	rctx, cancel := a.withTimeout(ctx)
	defer cancel()
	list, err := a.client.List(rctx)
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
		for _, name := range known {
			if ok, _ := path.Match(arg, name); ok {
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
