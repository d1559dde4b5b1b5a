//go:build linux

package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// fleet measures, for each size N, the start-up time, the memory and the
// CLI latency of each supervisor running N sleep services with logs on.
// One supervisor runs at a time; within a repetition each runs once, and
// the order rotates from one repetition to the next.
func (b *bench) fleet(ctx context.Context) error {
	for _, n := range b.opt.sizes {
		reps := b.opt.reps
		if n >= largeSize {
			reps = b.opt.largeReps
		}
		for rep := range reps {
			b.log.Info("fleet", "services", n, "repetition", rep+1, "of", reps)
			for _, drv := range rotate(b.drivers, rep) {
				if err := b.fleetCycle(ctx, drv, n, rep); err != nil {
					if ctx.Err() != nil {
						return ctx.Err()
					}
					b.fail("fleet N="+strconv.Itoa(n), drv, err)
				}
			}
			if b.opt.only["cli"] {
				if err := b.execFloor(ctx, n); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// largeSize is the size from which the fleet benchmark repeats -large-reps
// times instead of -reps: the slowest peers take minutes to start 1000
// services.
const largeSize = 1000

// fleetCycle starts drv with n services, measures, and stops it.
func (b *bench) fleetCycle(ctx context.Context, drv driver, n, rep int) (err error) {
	dir, err := b.dir(drv.name(), "-n", n, "-r", rep)
	if err != nil {
		return err
	}
	r, err := b.up(ctx, drv, dir, sleepServices(n), logPolicy{})
	if err != nil {
		return err
	}
	defer func() {
		if derr := b.downAndClean(context.WithoutCancel(ctx), r); err == nil {
			err = derr
		}
	}()
	if b.opt.only["startup"] {
		b.res.add("startup", drv.name(), n, r.startup.Seconds())
	}
	if b.opt.only["memory"] {
		if err := sleep(ctx, b.opt.settle); err != nil {
			return err
		}
		procs, err := b.own(ctx, r)
		if err != nil {
			return err
		}
		u, err := memoryOf(procs)
		if err != nil {
			return err
		}
		b.res.add("rss", drv.name(), n, mib(u.rss))
		b.res.add("pss", drv.name(), n, mib(u.pss))
		b.res.add("threads", drv.name(), n, float64(u.rootThreads))
		b.res.add("procs", drv.name(), n, float64(u.procs))
	}
	if b.opt.only["cli"] {
		return b.cliLatency(ctx, r, n, "cli")
	}
	return nil
}

// cliBudget bounds the time one instance spends on CLI queries once two
// of each have run: some peers' status of 1000 services takes seconds.
const cliBudget = 5 * time.Second

// cliLatency times -queries status queries for all services and as many
// for one, alternately, recorded under metric prefix+"-all" and "-one"
// (at least two of each; no more once cliBudget is spent).
func (b *bench) cliLatency(ctx context.Context, r *running, n int, prefix string) error {
	if r.drv.status(r.in.dir, "") == nil {
		return nil
	}
	errFile, err := os.Create(filepath.Join(r.in.dir, "cli.err"))
	if err != nil {
		return err
	}
	defer errFile.Close()
	one := "s" + strconv.Itoa(n/2)
	start := time.Now()
	for i := range b.opt.queries {
		if i >= 2 && time.Since(start) > cliBudget {
			break
		}
		for _, q := range []struct{ metric, name string }{{prefix + "-all", ""}, {prefix + "-one", one}} {
			d, err := b.timeCommand(ctx, r.drv.status(r.in.dir, q.name), errFile)
			if err != nil {
				return fmt.Errorf("%w: %s", err, lastLine(errFile))
			}
			b.res.add(q.metric, r.drv.name(), n, ms(d))
		}
	}
	return nil
}

// lastLine returns the last line written to f.
func lastLine(f *os.File) string {
	info, err := f.Stat()
	if err != nil {
		return ""
	}
	buf := make([]byte, min(info.Size(), 512))
	if _, err := f.ReadAt(buf, info.Size()-int64(len(buf))); err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimSpace(string(buf)), "\n")
	return lines[len(lines)-1]
}

// The rows of the CLI tables that show what running any program, and any
// Go program, costs on this machine.
const (
	floorName   = "exec /bin/true"
	goFloorName = "exec Go no-op"
)

// execFloor times -queries runs of /bin/true and of a Go program that does
// nothing: the floors of any CLI query.
func (b *bench) execFloor(ctx context.Context, n int) error {
	for range b.opt.queries {
		for _, f := range []struct{ name, path string }{{floorName, "/bin/true"}, {goFloorName, b.bins.nop}} {
			d, err := b.timeCommand(ctx, exec.Command(f.path), nil)
			if err != nil {
				return err
			}
			b.res.add("cli-all", f.name, n, ms(d))
			b.res.add("cli-one", f.name, n, ms(d))
		}
	}
	return nil
}

// mib is n bytes in MiB.
func mib(n uint64) float64 { return float64(n) / (1 << 20) }

// idle measures the CPU time each supervisor uses while its -idle-n sleep
// services do nothing, over -reps windows of -idle each. All supervisors
// run at once (idle, they do not compete), each measured on its own
// processes.
func (b *bench) idle(ctx context.Context) error {
	var runs []*running
	defer func() {
		for _, r := range runs {
			if err := b.downAndClean(context.WithoutCancel(ctx), r); err != nil {
				b.fail("idle", r.drv, err)
			}
		}
	}()
	for _, drv := range b.drivers {
		dir, err := b.dir(drv.name(), "-idle")
		if err != nil {
			return err
		}
		r, err := b.up(ctx, drv, dir, sleepServices(b.opt.idleN), logPolicy{})
		if err != nil {
			b.fail("idle", drv, err)
			continue
		}
		runs = append(runs, r)
	}
	b.log.Info("idle CPU", "supervisors", len(runs), "services", b.opt.idleN, "window", b.opt.idle, "windows", b.opt.reps)
	if err := sleep(ctx, b.opt.idleSettle); err != nil {
		return err
	}
	for range b.opt.reps {
		procs := make([][]procStat, len(runs))
		cpu0 := make([]time.Duration, len(runs))
		t0 := make([]time.Time, len(runs))
		for i, r := range runs {
			p, err := b.own(ctx, r)
			if err != nil {
				return err
			}
			procs[i], cpu0[i], t0[i] = p, cpuOf(p), time.Now()
		}
		if err := sleep(ctx, b.opt.idle); err != nil {
			return err
		}
		for i, r := range runs {
			used, wall := cpuOf(procs[i])-cpu0[i], time.Since(t0[i])
			b.res.add("idle-cpu", r.drv.name(), b.opt.idleN, 100*used.Seconds()/wall.Seconds())
		}
	}
	return nil
}
