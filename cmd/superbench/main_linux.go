//go:build linux

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// options are superbench's flags.
type options struct {
	sizes      []int
	reps       int
	largeReps  int
	kills      int
	queries    int
	only       map[string]bool
	peers      []string
	quick      bool
	out        string
	md         string
	gap        time.Duration
	settle     time.Duration
	idle       time.Duration
	idleSettle time.Duration
	idleN      int
	logBytes   int64
	floodN     int
	floodRate  int
	floodTime  time.Duration
	timeout    time.Duration
	release    string
	goCmd      string
}

// metricNames are the names -only accepts, in the order they run.
func metricNames() []string {
	return []string{"restart", "startup", "memory", "cli", "idle", "logs", "flood"}
}

// peerNames are the names -peers accepts, in the order of the tables;
// "loop" is the bare Go loop.
func peerNames() []string {
	return []string{"superd", "supervisord", "pm2", "runit", "s6", "loop"}
}

// parseFlags parses args; -quick changes the defaults of the flags not
// given.
func parseFlags(args []string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("superbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: superbench [flags]\n\nBenchmarks superd side by side with supervisord, PM2, runit, s6 and a bare Go loop.\n\n")
		fs.PrintDefaults()
	}
	var o options
	sizes := fs.String("n", "1,100,1000", "numbers of services for the start-up, memory and CLI benchmarks")
	fs.IntVar(&o.reps, "reps", 3, "repetitions of each measurement (supervisors interleaved)")
	fs.IntVar(&o.largeReps, "large-reps", 2, "repetitions of the start-up, memory and CLI benchmarks with 1000 services or more")
	fs.IntVar(&o.kills, "kills", 20, "kills per supervisor in the restart benchmark")
	fs.IntVar(&o.queries, "queries", 5, "CLI queries (all, then one) per instance (at least 2; fewer than this when they take over 5 s)")
	only := fs.String("only", "", "comma-separated metrics to run: "+strings.Join(metricNames(), ",")+" (default: all)")
	peers := fs.String("peers", strings.Join(peerNames(), ","), "comma-separated supervisors to run")
	fs.BoolVar(&o.quick, "quick", false, "smoke run: small sizes, few repetitions, short windows")
	fs.StringVar(&o.out, "out", "", "write the results as JSON to this file")
	fs.StringVar(&o.md, "md", "", "write the markdown report to this file too")
	fs.DurationVar(&o.gap, "gap", 1200*time.Millisecond, "least time a service runs before it is killed (runit and s6 throttle runs shorter than 1 s)")
	fs.DurationVar(&o.settle, "settle", time.Second, "wait after start-up before measuring memory, and before a log flood")
	fs.DurationVar(&o.idle, "idle", 30*time.Second, "window of the idle CPU benchmark")
	fs.DurationVar(&o.idleSettle, "idle-settle", 5*time.Second, "wait after start-up before the first idle window")
	fs.IntVar(&o.idleN, "idle-n", 100, "services of the idle CPU benchmark")
	fs.Int64Var(&o.logBytes, "log-bytes", 200_000_000, "bytes the service writes in the log throughput benchmark")
	fs.IntVar(&o.floodN, "flood-n", 100, "services of the log flood")
	fs.IntVar(&o.floodRate, "flood-rate", 100, "lines (100 bytes) a second each flood service writes")
	fs.DurationVar(&o.floodTime, "flood-time", 5*time.Second, "window of the log flood")
	fs.DurationVar(&o.timeout, "timeout", 3*time.Minute, "limit of any single wait: start-up, stop, a log to fill")
	fs.StringVar(&o.release, "superd-version", "", "version string superd is built with and reported under (default: the commit of the tree it is built from, which the report shows beside a version that does not match it)")
	fs.StringVar(&o.goCmd, "go", "go", "the go command that builds superd")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if o.quick {
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		quick := map[string]string{
			"n": "1,10", "reps": "2", "large-reps": "1", "kills": "3", "queries": "3", "settle": "200ms",
			"idle": "1s", "idle-settle": "500ms", "idle-n": "10", "log-bytes": "20000000",
			"flood-n": "10", "flood-time": "1s", "timeout": "1m",
		}
		for name, v := range quick {
			if !set[name] {
				if err := fs.Set(name, v); err != nil {
					return o, err
				}
			}
		}
	}
	var err error
	if o.sizes, err = parseSizes(*sizes); err != nil {
		return o, err
	}
	if o.only, err = parseSet(*only, metricNames()); err != nil {
		return o, fmt.Errorf("-only: %w", err)
	}
	pset, err := parseSet(*peers, peerNames())
	if err != nil {
		return o, fmt.Errorf("-peers: %w", err)
	}
	for _, p := range peerNames() {
		if pset[p] {
			o.peers = append(o.peers, p)
		}
	}
	if o.reps < 1 || o.largeReps < 1 || o.kills < 1 || o.queries < 1 || o.idleN < 1 || o.floodN < 1 || o.floodRate < 1 || o.logBytes < 100 {
		return o, errors.New("-reps, -large-reps, -kills, -queries, -idle-n, -flood-n, -flood-rate must be ≥ 1, -log-bytes ≥ 100")
	}
	return o, nil
}

func parseSizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-n: %q is not a number of services", f)
		}
		out = append(out, n)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// parseSet parses a comma-separated subset of known; empty means all.
func parseSet(s string, known []string) (map[string]bool, error) {
	set := map[string]bool{}
	if strings.TrimSpace(s) == "" {
		for _, k := range known {
			set[k] = true
		}
		return set, nil
	}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if !slices.Contains(known, f) {
			return nil, fmt.Errorf("unknown name %q (known: %s)", f, strings.Join(known, ", "))
		}
		set[f] = true
	}
	return set, nil
}

// run is superbench: it returns the exit code (0: every benchmark ran; 1:
// some failed; 2: bad flags).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	opt, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "superbench:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(stderr, nil))

	rp, err := newReaper()
	if err != nil {
		fmt.Fprintln(stderr, "superbench:", err)
		return 1
	}
	defer func() {
		killed, err := rp.sweep(killWait)
		if killed > 0 {
			log.Warn("processes left behind were killed", "count", killed)
		}
		if err != nil {
			log.Error("cleaning up", "err", err)
		}
	}()
	root, err := os.MkdirTemp("", "superbench-")
	if err != nil {
		fmt.Fprintln(stderr, "superbench:", err)
		return 1
	}
	defer os.RemoveAll(root)

	b := &bench{opt: opt, log: log, reaper: rp, root: root, res: &results{}}
	if err := b.setup(ctx, args); err != nil {
		log.Error("setting up", "err", err)
		return 1
	}
	code := 0
	if err := b.runAll(ctx); err != nil {
		// What was measured so far is still worth printing.
		log.Error("benchmark interrupted", "err", err)
		b.res.Errors = append(b.res.Errors, "interrupted: "+err.Error())
		code = 1
	}
	b.res.Machine.LoadEnd = loadAverage()
	b.res.finish()
	b.res.checkTargets(opt.idleN)
	b.res.writeMarkdown(stdout, b.order())
	if opt.md != "" {
		if err := b.res.writeMarkdownFile(opt.md, b.order()); err != nil {
			log.Error("writing the report", "err", err)
			return 1
		}
	}
	if opt.out != "" {
		if err := b.res.writeJSON(opt.out); err != nil {
			log.Error("writing the results", "err", err)
			return 1
		}
	}
	if len(b.res.Errors) > 0 {
		code = 1
	}
	return code
}

// runAll runs the selected benchmarks in order.
func (b *bench) runAll(ctx context.Context) error {
	phases := []struct {
		on  bool
		run func(context.Context) error
	}{
		{b.opt.only["restart"], b.restart},
		{b.opt.only["startup"] || b.opt.only["memory"] || b.opt.only["cli"], b.fleet},
		{b.opt.only["idle"], b.idle},
		{b.opt.only["logs"], b.logThroughput},
		{b.opt.only["flood"], b.flood},
	}
	for _, p := range phases {
		if !p.on {
			continue
		}
		if err := p.run(ctx); err != nil {
			return err
		}
	}
	return nil
}

// order is the order of the rows of the tables.
func (b *bench) order() []string {
	var names []string
	for _, d := range b.drivers {
		names = append(names, d.name())
	}
	if b.direct != nil {
		names = append(names, b.direct.name())
	}
	return append(names, floorName, goFloorName)
}
