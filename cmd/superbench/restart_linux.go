//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// restartSettle is how long, after a replacement was seen, nothing else is
// timed: the fresh sleep is still loading (dynamic linking, locale) and
// would take a CPU from the next measurement.
const restartSettle = 50 * time.Millisecond

// restartRun is one supervisor of the restart benchmark, with its one
// service's current process.
type restartRun struct {
	*running
	current procStat
	since   time.Time // when current was seen
}

// restart measures the restart latency: every supervisor runs one sleep
// service, all at once; in turns, superbench sends SIGKILL to one service's
// process and polls (every -poll) for a new process of the same parent
// that has exec'd sleep. Each service has run at least -gap when it is
// killed: runit and s6 wait 1 s before restarting a process that ran less
// than 1 s, PM2 counts such a run as unstable, superd's StableSec=1 ends
// the streak (its 100 ms floor applies within a streak only).
func (b *bench) restart(ctx context.Context) error {
	var runs []*restartRun
	defer func() {
		for _, rr := range runs {
			if err := b.downAndClean(context.WithoutCancel(ctx), rr.running); err != nil {
				b.fail("restart", rr.drv, err)
			}
		}
	}()
	for _, drv := range b.drivers {
		dir, err := b.dir(drv.name(), "-restart")
		if err != nil {
			return err
		}
		r, err := b.up(ctx, drv, dir, sleepServices(1), logPolicy{})
		if err != nil {
			b.fail("restart", drv, err)
			continue
		}
		runs = append(runs, &restartRun{running: r, current: r.services[0], since: time.Now()})
	}
	b.log.Info("restart latency", "supervisors", len(runs), "kills", b.opt.kills)
	failed := map[*restartRun]bool{}
	for k := range b.opt.kills {
		for _, rr := range rotate(runs, k) {
			if failed[rr] {
				continue
			}
			if err := sleep(ctx, time.Until(rr.since.Add(b.opt.gap))); err != nil {
				return err
			}
			lat, next, err := b.killOnce(ctx, rr)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				b.fail("restart", rr.drv, err)
				failed[rr] = true
				continue
			}
			rr.current, rr.since = next, time.Now()
			b.res.add("restart", rr.drv.name(), 1, ms(lat))
			if err := sleep(ctx, restartSettle); err != nil {
				return err
			}
		}
	}
	return nil
}

// killOnce kills rr's current service process and returns the time until
// its replacement had exec'd, and the replacement.
func (b *bench) killOnce(ctx context.Context, rr *restartRun) (time.Duration, procStat, error) {
	victim := rr.current
	if !alive(victim) {
		return 0, procStat{}, fmt.Errorf("the service's process %d is gone before the kill", victim.pid)
	}
	w, err := newSpawnWatch(victim.comm, rr.drv.wrappers(), victim.ppid)
	if err != nil {
		return 0, procStat{}, err
	}
	fine, err := newFineSleeper()
	if err != nil {
		return 0, procStat{}, err
	}
	defer fine.close()
	t0 := time.Now()
	if err := unix.Kill(victim.pid, unix.SIGKILL); err != nil {
		return 0, procStat{}, fmt.Errorf("kill: %w", err)
	}
	deadline := t0.Add(10 * time.Second)
	for {
		if err := w.poll(); err != nil {
			return 0, procStat{}, err
		}
		for _, st := range w.running() {
			if st.pid != victim.pid {
				return time.Since(t0), st, nil
			}
		}
		if time.Now().After(deadline) {
			return 0, procStat{}, errors.New("no replacement within 10s of the kill")
		}
		if ctx.Err() != nil {
			return 0, procStat{}, ctx.Err()
		}
		if err := fine.sleep(b.opt.poll); err != nil {
			return 0, procStat{}, err
		}
	}
}

// ms is d in milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
