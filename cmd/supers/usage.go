package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"text/tabwriter"

	"github.com/supers-dev/supers/transport"
)

type usageCmd struct {
	Names []string `arg:"" optional:"" name:"name" help:"Services to show: names, or patterns such as 'web-*' (default: every running service)."`
}

// Run prints what the processes of each running service use (GET
// /v1/usage): NAME PID PROCS MEM CPU, or with --json the
// []transport.ServiceUsage. With names, only those services; a named
// service that does not run is reported (exit 3), an unknown one too
// (exit 4); a pattern stands for the services superd knows that it
// matches, and only those that run are shown.
func (c *usageCmd) Run(ctx context.Context, a *app) error {
	var names, unmatched []string
	if len(c.Names) > 0 { // without names, the answer is what is shown
		var err error
		if names, unmatched, err = a.expand(ctx, "usage", c.Names, false, false); err != nil {
			return err
		}
	}
	rctx, cancel := a.withTimeout(ctx)
	defer cancel()
	list, err := a.client.Usage(rctx)
	if errors.Is(err, errors.ErrUnsupported) {
		a.errorf("usage: superd cannot tell what its services use on this system (only on Linux)")
		return exitStatus(exitError)
	}
	if err != nil {
		return err
	}
	code := a.reportUnmatched("usage", unmatched)
	shown := make([]transport.ServiceUsage, 0, len(names))
	if len(c.Names) == 0 {
		shown = list
	}
	for _, name := range names {
		i := slices.IndexFunc(list, func(u transport.ServiceUsage) bool { return u.Name == name })
		if i >= 0 {
			shown = append(shown, list[i])
			continue
		}
		if !slices.Contains(c.Names, name) {
			continue // matched by a pattern: only those that run
		}
		// Named: not running, or unknown.
		st, err := a.status(ctx, name)
		switch {
		case isFatal(err):
			return err
		case err != nil:
			code = max(code, errorCode(a.serviceError("usage", name, err)))
		default:
			a.errorf("usage: %s is not running (%s)", name, oneLine(stateText(st)))
			code = max(code, exitNotRunning)
		}
	}
	if a.json {
		if err := writeJSON(a.stdout, shown); err != nil {
			return err
		}
	} else if len(shown) > 0 {
		if err := writeUsage(a, shown); err != nil {
			return err
		}
	}
	return codeError(code)
}

// writeUsage prints the usage table.
func writeUsage(a *app, list []transport.ServiceUsage) error {
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tPID\tPROCS\tMEM\tCPU")
	for _, u := range list {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\n", oneLine(u.Name), u.PID, u.Processes, formatBytes(u.MemoryBytes), formatCPU(u.CPUSeconds))
	}
	return tw.Flush()
}

// formatCPU renders CPU seconds: "0.42s" under a minute, then as an
// uptime is ("3m12s", "5h3m").
func formatCPU(seconds float64) string {
	if seconds < 60 {
		return strconv.FormatFloat(max(seconds, 0), 'f', 2, 64) + "s"
	}
	return formatUptime(seconds)
}
