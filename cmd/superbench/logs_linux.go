//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// logPoll is how often the log benchmarks look at the log files' size.
const logPoll = 2 * time.Millisecond

// logThroughput measures how fast a supervisor gets one service's output
// into its log file: the service (flood) writes -log-bytes of 100-byte
// lines to stdout as fast as it can; the clock starts when superbench
// opens the FIFO the service waits on, and stops when the log files hold
// every byte. The bare loop (pipe drained into a file) and the service
// writing straight to the file are the references.
func (b *bench) logThroughput(ctx context.Context) error {
	drivers := slices.Clone(b.drivers)
	if b.direct != nil {
		drivers = append(drivers, b.direct)
	}
	for rep := range b.opt.reps {
		b.log.Info("log throughput", "bytes", b.opt.logBytes, "repetition", rep+1, "of", b.opt.reps)
		for _, drv := range rotate(drivers, rep) {
			if err := b.throughputCycle(ctx, drv, rep); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				b.fail("log throughput", drv, err)
			}
		}
	}
	return nil
}

func (b *bench) throughputCycle(ctx context.Context, drv driver, rep int) (err error) {
	dir, err := b.dir(drv.name(), "-logs-r", rep)
	if err != nil {
		return err
	}
	gate := filepath.Join(dir, "gate")
	if err := unix.Mkfifo(gate, 0o600); err != nil {
		return fmt.Errorf("mkfifo: %w", err)
	}
	total := b.opt.logBytes
	svc := service{name: "s0", argv: []string{b.bins.flood, "-gate", gate, "-bytes", strconv.FormatInt(total, 10)}}
	r, err := b.up(ctx, drv, dir, []service{svc}, logPolicy{keepAll: true})
	if err != nil {
		return err
	}
	defer func() {
		if derr := b.downAndClean(context.WithoutCancel(ctx), r); err == nil {
			err = derr
		}
	}()
	procs, err := b.own(ctx, r)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(b.opt.timeout)
	f, err := openGate(ctx, gate, deadline)
	if err != nil {
		return err
	}
	cpu0 := cpuOf(procs)
	t0 := time.Now()
	_ = f.Close()
	for {
		n, err := drv.logBytes(dir)
		if err != nil {
			return err
		}
		if n >= total {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d bytes in the log after %v", n, total, b.opt.timeout)
		}
		if err := sleep(ctx, logPoll); err != nil {
			return err
		}
	}
	d := time.Since(t0)
	b.res.add("log-throughput", drv.name(), 1, float64(total)/1e6/d.Seconds())
	b.res.add("log-cpu", drv.name(), 1, (cpuOf(procs) - cpu0).Seconds())
	return nil
}

// floodTick is how often a flood service writes (-flood-rate/10 lines at a
// time): the writers themselves should not be what loads the machine.
const floodTick = 100 * time.Millisecond

// flood runs -flood-n services that each write -flood-rate 100-byte lines a
// second, and measures the CLI latency during the flood, the supervisor's
// CPU use and how much output reached the logs.
func (b *bench) flood(ctx context.Context) error {
	for rep := range b.opt.reps {
		b.log.Info("log flood", "services", b.opt.floodN, "lines/s each", b.opt.floodRate, "repetition", rep+1, "of", b.opt.reps)
		for _, drv := range rotate(b.drivers, rep) {
			if err := b.floodCycle(ctx, drv, rep); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				b.fail("log flood", drv, err)
			}
		}
	}
	return nil
}

func (b *bench) floodCycle(ctx context.Context, drv driver, rep int) (err error) {
	dir, err := b.dir(drv.name(), "-flood-r", rep)
	if err != nil {
		return err
	}
	// The services wait on a gate, so that every supervisor starts them
	// as quiet processes; the flood begins once they all run.
	gate := filepath.Join(dir, "gate")
	if err := unix.Mkfifo(gate, 0o600); err != nil {
		return fmt.Errorf("mkfifo: %w", err)
	}
	n := b.opt.floodN
	svcs := make([]service, n)
	for i := range svcs {
		svcs[i] = service{name: "s" + strconv.Itoa(i), argv: []string{
			b.bins.flood, "-gate", gate, "-rate", strconv.Itoa(b.opt.floodRate), "-tick", floodTick.String(),
		}}
	}
	r, err := b.up(ctx, drv, dir, svcs, logPolicy{})
	if err != nil {
		return err
	}
	defer func() {
		if derr := b.downAndClean(context.WithoutCancel(ctx), r); err == nil {
			err = derr
		}
	}()
	// Held open until the end: a service that opens its end later passes
	// at once.
	f, err := openGate(ctx, gate, time.Now().Add(b.opt.timeout))
	if err != nil {
		return err
	}
	defer f.Close()
	if err := sleep(ctx, b.opt.settle); err != nil {
		return err
	}
	procs, err := b.own(ctx, r)
	if err != nil {
		return err
	}
	bytes0, err := drv.logBytes(dir)
	if err != nil {
		return err
	}
	cpu0, t0 := cpuOf(procs), time.Now()
	if err := b.cliLatency(ctx, r, n, "flood-cli"); err != nil {
		return err
	}
	if err := sleep(ctx, time.Until(t0.Add(b.opt.floodTime))); err != nil {
		return err
	}
	used, wall := cpuOf(procs)-cpu0, time.Since(t0)
	bytes1, err := drv.logBytes(dir)
	if err != nil {
		return err
	}
	b.res.add("flood-cpu", drv.name(), n, 100*used.Seconds()/wall.Seconds())
	b.res.add("flood-logged", drv.name(), n, float64(bytes1-bytes0)/1e6/wall.Seconds())
	return nil
}

// openGate opens the FIFO gate for writing, which lets the services
// waiting on it go. It fails with ENXIO until one of them has opened its
// end; it is tried again until deadline.
func openGate(ctx context.Context, gate string, deadline time.Time) (*os.File, error) {
	for {
		f, err := os.OpenFile(gate, os.O_WRONLY|unix.O_NONBLOCK, 0)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, unix.ENXIO) {
			return nil, err
		}
		if time.Now().After(deadline) {
			return nil, errors.New("no service opened the gate")
		}
		if err := sleep(ctx, time.Millisecond); err != nil {
			return nil, err
		}
	}
}
