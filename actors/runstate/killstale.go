package runstate

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"slices"
	"time"

	"github.com/supers-dev/supers/actors/process"
)

const (
	// pollMin and pollMax bound the interval between two checks of whether
	// the leaders signalled by KillStale are gone; it doubles from one to
	// the other.
	pollMin = time.Millisecond
	pollMax = 50 * time.Millisecond
	// killWait bounds the wait for the leaders to disappear after SIGKILL.
	killWait = 2 * time.Second
)

// procInfo is what /proc tells about a process.
type procInfo struct {
	state     byte // 'R', 'S', 'D', ..., 'Z' for a zombie
	pgid      int
	startTime uint64
}

// exited reports whether the process has terminated and only waits to be
// reaped (zombie) or is being torn down.
func (p procInfo) exited() bool { return p.state == 'Z' || p.state == 'X' }

// KillStale kills the process groups of st, a state left by a previous
// superd, that still run, and returns the records of the groups it
// signalled. Call it after [Open] and before starting anything.
//
// A group is killed only if its record proves that it is the one the
// previous superd started: st is from the current boot (st.BootID), and its
// leader (r.PID) still exists, has the recorded start time and still leads
// r.PGID. Anything else is left alone and logged: a pid that now belongs to
// another process, a record from another boot or without a start time, a
// leader that left its group. A leader that no longer exists is skipped
// too, even if members of its group outlived it: without the leader the
// group cannot be told apart from a later one reusing the number.
//
// Every matching group gets SIGTERM at once. KillStale then waits up to
// grace for the leaders to disappear (a zombie counts as gone), sends
// SIGKILL to every signalled group (members that ignored SIGTERM may remain
// after the leader exited) and waits up to two seconds for the leaders to
// disappear, logging any that did not. So it returns within grace plus two
// seconds. If ctx is done, both waits end early, but SIGKILL is still sent.
//
// The leaders are no longer children of this process (they were reparented
// when the previous superd died), so they cannot be waited for: KillStale
// polls /proc, with an interval growing from 1 to 50 ms. This only happens
// at startup.
//
// Where start times are unavailable (outside Linux), identity cannot be
// proven: KillStale logs a warning and kills nothing. Failures are logged,
// not returned: there is nothing more the caller could do about them.
func KillStale(ctx context.Context, st State, grace time.Duration, logger *slog.Logger) []Record {
	log := orDiscard(logger)
	if len(st.Processes) == 0 {
		return nil
	}
	boot, err := bootID()
	switch {
	case errors.Is(err, errors.ErrUnsupported):
		log.Warn("cannot prove the identity of processes left by a previous superd on this platform; leaving them alone",
			"records", len(st.Processes))
		return nil
	case err != nil:
		log.Error("cannot tell whether processes left by a previous superd still run; leaving them alone",
			"records", len(st.Processes), "err", err)
		return nil
	case st.BootID == "":
		log.Warn("the state file does not tell its boot: cannot prove the identity of the processes it names; leaving them alone",
			"records", len(st.Processes))
		return nil
	case st.BootID != boot:
		log.Info("the state file is from another boot: no process it names still runs",
			"records", len(st.Processes), "boot_id", st.BootID)
		return nil
	}

	var targets []Record
	for _, r := range st.Processes {
		if !isOurs(r, log) {
			continue
		}
		err := process.SignalGroup(r.PGID, "SIGTERM")
		switch {
		case errors.Is(err, process.ErrNoProcess):
			log.Debug("process group left by a previous superd exited meanwhile", recordAttrs(r)...)
		case err != nil:
			log.Error("cannot stop a process group left by a previous superd", append(recordAttrs(r), "err", err)...)
		default:
			log.Info("stopping a process group left by a previous superd", recordAttrs(r)...)
			targets = append(targets, r)
		}
	}
	if len(targets) == 0 {
		return nil
	}

	termSent := time.Now()
	waitGone(ctx, targets, grace)
	for _, r := range targets {
		if !gone(r) {
			log.Warn("process group did not exit after SIGTERM; killing it",
				append(recordAttrs(r), "waited", time.Since(termSent).Round(time.Millisecond))...)
		}
		// Also when the leader is gone: members of its group may ignore
		// SIGTERM.
		if err := process.SignalGroup(r.PGID, "SIGKILL"); err != nil && !errors.Is(err, process.ErrNoProcess) {
			log.Error("cannot kill a process group left by a previous superd", append(recordAttrs(r), "err", err)...)
		}
	}
	switch {
	case waitGone(ctx, targets, killWait):
	case ctx.Err() != nil:
		log.Warn("not waiting for the killed process groups to disappear", "err", ctx.Err())
	default:
		for _, r := range targets {
			if !gone(r) {
				log.Error("process left by a previous superd still present after SIGKILL",
					append(recordAttrs(r), "waited", killWait)...)
			}
		}
	}
	return targets
}

// isOurs reports whether r's leader still runs and is provably the process
// r recorded, logging why not otherwise.
func isOurs(r Record, log *slog.Logger) bool {
	attrs := recordAttrs(r)
	if r.Service == "" || r.PID <= 1 || r.PGID <= 1 {
		log.Warn("invalid record in the state file; ignored", attrs...)
		return false
	}
	if r.StartTime == 0 {
		log.Warn("record without start time: cannot prove the identity of the process; leaving it alone", attrs...)
		return false
	}
	info, err := inspect(r.PID)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		log.Debug("process left by a previous superd is gone", attrs...)
		return false
	case err != nil:
		log.Warn("cannot inspect a process left by a previous superd; leaving it alone", append(attrs, "err", err)...)
		return false
	case info.startTime != r.StartTime:
		log.Info("recorded pid now belongs to another process; leaving it alone", attrs...)
		return false
	case info.pgid != r.PGID:
		log.Warn("process left by a previous superd moved to another process group; leaving it alone",
			append(attrs, "current_pgid", info.pgid)...)
		return false
	}
	return true
}

// gone reports whether r's leader has terminated: it no longer exists, is a
// zombie, or its pid belongs to another process.
func gone(r Record) bool {
	info, err := inspect(r.PID)
	if err != nil {
		return errors.Is(err, fs.ErrNotExist)
	}
	return info.exited() || info.startTime != r.StartTime
}

// waitGone polls until the leaders of rs are all gone, d has elapsed or ctx
// is done, and reports whether they are all gone.
func waitGone(ctx context.Context, rs []Record, d time.Duration) bool {
	deadline := time.Now().Add(d)
	pending := slices.Clone(rs)
	for delay := pollMin; ; delay = min(2*delay, pollMax) {
		pending = slices.DeleteFunc(pending, gone)
		if len(pending) == 0 {
			return true
		}
		left := time.Until(deadline)
		if left <= 0 {
			return false
		}
		t := time.NewTimer(min(delay, left))
		select {
		case <-ctx.Done():
			t.Stop()
			return false
		case <-t.C:
		}
	}
}

// recordAttrs returns the log attributes describing r.
func recordAttrs(r Record) []any {
	return []any{"service", r.Service, "pid", r.PID, "pgid", r.PGID}
}
