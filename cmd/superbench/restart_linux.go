//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
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
	exec    *execWatch // of the service's program
	current procStat
	since   time.Time // when current was seen
}

// restart measures the restart latency: every supervisor runs one sleep
// service, all at once, each from its own copy of sleep; in turns,
// superbench sends SIGKILL to one service's process and waits until that
// copy is executed again (execWatch), then checks that a new process of the
// same parent has exec'd it. Each service has run at least -gap when it is
// killed: runit and s6 wait 1 s before restarting a process that ran less
// than 1 s, PM2 counts such a run as unstable, superd's StableSec=1 ends
// the streak (its 100 ms floor applies within a streak only).
func (b *bench) restart(ctx context.Context) error {
	var runs []*restartRun
	defer func() {
		for _, rr := range runs {
			_ = rr.exec.close()
			if err := b.downAndClean(context.WithoutCancel(ctx), rr.running); err != nil {
				b.fail("restart", rr.drv, err)
			}
		}
	}()
	warned := false
	for _, drv := range b.drivers {
		dir, err := b.dir(drv.name(), "-restart")
		if err != nil {
			return err
		}
		prog, err := privateProgram(sleepPath, dir)
		if err != nil {
			b.fail("restart", drv, err)
			continue
		}
		w, err := newExecWatch(prog)
		if err != nil {
			b.fail("restart", drv, err)
			continue
		}
		if w.kind != watchFanotify && !warned {
			warned = true
			b.log.Warn("restarts timed by inotify, fanotify not allowed here: a supervisor's open of its program before it forks (superd's check) counts as the exec", "watch", w.kind, "fanotify", w.fallback)
		}
		r, err := b.up(ctx, drv, dir, []service{{name: "s0", argv: []string{prog, "100000"}}}, logPolicy{})
		if err != nil {
			_ = w.close()
			b.fail("restart", drv, err)
			continue
		}
		runs = append(runs, &restartRun{running: r, exec: w, current: r.services[0], since: time.Now()})
	}
	var kinds []string
	for _, rr := range runs {
		if !slices.Contains(kinds, rr.exec.kind) {
			kinds = append(kinds, rr.exec.kind)
		}
	}
	b.res.Settings.ExecWatch = strings.Join(kinds, " and ")
	b.log.Info("restart latency", "supervisors", len(runs), "kills", b.opt.kills, "watch", b.res.Settings.ExecWatch)
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
	if err := rr.exec.drain(); err != nil {
		return 0, procStat{}, err
	}
	t0 := time.Now()
	if err := unix.Kill(victim.pid, unix.SIGKILL); err != nil {
		return 0, procStat{}, fmt.Errorf("kill: %w", err)
	}
	at, err := rr.exec.wait(ctx, restartTimeout)
	if errors.Is(err, errNoExec) {
		return 0, procStat{}, fmt.Errorf("no replacement within %v of the kill", restartTimeout)
	}
	if err != nil {
		return 0, procStat{}, err
	}
	// The copy was executed: by the service's replacement, which must now
	// be found (untimed) among the processes of the same parent.
	deadline := at.Add(restartTimeout)
	for {
		if err := w.poll(); err != nil {
			return 0, procStat{}, err
		}
		for _, st := range w.running() {
			if st.pid != victim.pid {
				return at.Sub(t0), st, nil
			}
		}
		if time.Now().After(deadline) {
			return 0, procStat{}, fmt.Errorf("%s was executed %v after the kill, but no new process of the service runs it %v later", rr.exec.path, at.Sub(t0), restartTimeout)
		}
		if err := sleep(ctx, time.Millisecond); err != nil {
			return 0, procStat{}, err
		}
	}
}

// restartTimeout bounds the wait for a restart, and then for its process.
const restartTimeout = 10 * time.Second

// ms is d in milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
