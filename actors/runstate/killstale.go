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
	// the processes signalled by KillStale are gone; it doubles from one to
	// the other.
	pollMin = time.Millisecond
	pollMax = 50 * time.Millisecond
	// killWait bounds the wait for the processes to disappear after SIGKILL.
	killWait = 2 * time.Second
)

// procInfo is what /proc tells about a process.
type procInfo struct {
	state     byte // 'R', 'S', 'D', ..., 'Z' for a zombie
	ppid      int
	pgid      int
	sid       int // session
	startTime uint64
}

// exited reports whether the process has terminated and only waits to be
// reaped (zombie) or is being torn down.
func (p procInfo) exited() bool { return p.state == 'Z' || p.state == 'X' }

// procRef identifies a process even if its pid is reused.
type procRef struct {
	pid       int
	startTime uint64
}

// marked is a live process carrying the marker of a previous superd, or
// holding a pipe it recorded (see findLeftovers).
type marked struct {
	ref     procRef
	pgid    int
	sid     int
	service string
}

// victim is what KillStale signals: a process group or a single process.
type victim struct {
	rec   Record
	group bool      // signal the group rec.PGID, else the process rec.PID
	watch []procRef // the processes whose exit ends the grace period
	stop  Stop      // how it is asked to stop (set by killRound)
}

// Stop is how [KillStale] stops what one service left: the signal that asks
// it to stop (a canonical name such as "SIGTERM", as config.Service's
// KillSignal) and how long it then has before SIGKILL.
type Stop struct {
	Signal string
	Grace  time.Duration
}

// StopPolicy returns the Stop of a service, by name. The service may no
// longer be defined: the policy decides what such a service gets too.
type StopPolicy func(service string) Stop

// KillStale kills what a previous superd, whose state file held st, left
// running, and returns what it signalled. Call it after [Open] and before
// starting anything.
//
// It only kills processes it can prove the previous superd started, never
// a process that merely reuses a recorded pid:
//
//   - the process group of a record of st, if st is from the current boot
//     (st.BootID) and the group's leader still exists with the recorded
//     start time and process group, or a member of the group carries the
//     marker of st for the record's service (see below);
//   - any other process carrying the marker of st (st.Marker, or one of
//     st.PreviousMarkers), or, if st is from the current boot, holding as
//     its stdout and stderr both pipes a record of st names (Record.Pipes),
//     having started at or after that record's leader (in the record's
//     group, one of the pipes is enough: see pipeOwner.proves): one that
//     left its service's group, or whose group st does not record (the
//     state file is written in batches, so a superd killed soon after a
//     start may not have recorded it yet). It is reported as a Record of
//     its service, pid, process group and start time. With it goes its
//     whole process group if that is the group of a session whose leader
//     is gone or found for the same service, as a service's group is
//     (superd starts each leader in a new session): only descendants of
//     the service can be in it, so its members that cleared their
//     environment are killed too, as in a recorded group.
//
// The marker is the [MarkerEnv] environment variable that superd gives
// every service ([Store.Marker]) and that descendants inherit. It matters
// because a leader started by actors/process dies with superd (it has a
// parent-death signal), leaving the rest of its group without a leader to
// identify it. A process that cleared its environment, holds none of the
// recorded pipes as its stdout or stderr (out of its recorded group: not
// both), and whose leader is gone cannot be identified, and is left alone.
//
// Everything found gets the signal stop gives its service at once (a group
// as a whole), then SIGCONT so that suspended processes handle it, as a
// stop command would do. KillStale then waits for the identified processes
// of each to disappear (a zombie counts as gone), at most the grace stop
// gives its service, sends SIGKILL to each signalled group once its time
// is over or its identified processes are gone (members that ignored the
// signal may remain after the leader exited) and to each process left when
// its time is over, and waits up to two seconds for them to disappear,
// logging any that did not (that wait is not cut by ctx). Then it
// looks again for marked processes it has not seen yet (by the marker
// alone) (those forked
// meanwhile by a process that outlived SIGTERM) and deals with them the
// same way, until it finds none, for at most ten rounds. A round lasts
// at most the longest grace of its services plus two seconds, plus the
// time to scan /proc. If ctx is done, the grace ends at once: SIGKILL is
// sent, what it kills is waited for as above, and no other round starts.
//
// These processes are not children of this process, so their exit cannot
// be waited for: KillStale polls /proc, with an interval growing from 1 to
// 50 ms. This only happens at startup.
//
// Outside Linux, identity cannot be proven (there are no start times and
// no /proc): KillStale logs a warning and kills nothing. Failures are
// logged, not returned: there is nothing more the caller could do.
func KillStale(ctx context.Context, st State, stop StopPolicy, logger *slog.Logger) []Record {
	log := orDiscard(logger)
	victims := findVictims(st, log)
	seen := make(map[procRef]bool)
	var killed []Record
	// A process that outlives SIGTERM may fork new marked processes after
	// the search (a loop restarting its worker), which the signals to the
	// processes found do not reach: search again, for processes not seen
	// before, until there are none (the recorded groups, killed as a
	// whole, need no second look).
	for round := 1; ; round++ {
		for _, v := range victims {
			for _, ref := range v.watch {
				seen[ref] = true
			}
		}
		signalled := killRound(ctx, victims, stop, log)
		for _, v := range signalled {
			killed = append(killed, v.rec)
		}
		if len(signalled) == 0 || ctx.Err() != nil {
			return killed
		}
		if round == maxRounds {
			log.Error("processes left by a previous superd keep starting new ones; giving up", "rounds", round)
			return killed
		}
		victims = slices.DeleteFunc(findVictims(State{Marker: st.Marker, PreviousMarkers: st.PreviousMarkers}, log), func(v victim) bool {
			return seen[v.watch[0]]
		})
	}
}

// pipeOwner is a record whose pipes (Record.Pipes) a process may hold:
// what such a process must also show to be the service's (see proves).
type pipeOwner struct {
	service   string
	pgid      int
	startTime uint64
	pipes     []uint64 // the record's pipes, distinct and nonzero
}

// proves reports whether a process, info as /proc/PID/stat gives it,
// holding the pipes held as its stdout and stderr, one of them o's, is of
// o's service. In o's recorded group, that pipe is enough (as for the
// group's leader, the group and the start time both match). Out of it, a
// pipe number alone proves little: the kernel numbers pipes, sockets and
// the like from one 32-bit counter that wraps around without checking
// whether a number is in use, so an unrelated process may hold, after a
// wrap, a pipe numbered as the service's was; and if it leads a session of
// its own, its whole group would go with it (ownGroup). Such a process
// must therefore hold every pipe of the record, two (a stdout and a
// stderr, which a descendant inherits together, and which superd makes one
// after the other), and have started at or after the recorded leader (the
// same clock: ticks since this boot, which the caller checked), as every
// descendant of it did. A record with fewer pipes, or no start time,
// proves no process out of its group. In the group, the start time, when
// known, must not come before the leader's either.
func (o *pipeOwner) proves(info procInfo, held []uint64) bool {
	if o.startTime != 0 && info.startTime < o.startTime {
		return false
	}
	if info.pgid == o.pgid {
		return true
	}
	if o.startTime == 0 || len(o.pipes) < 2 {
		return false
	}
	for _, ino := range o.pipes {
		if !slices.Contains(held, ino) {
			return false
		}
	}
	return true
}

// recordedPipes returns the pipes of recs (Record.Pipes) mapped to their
// records: a process that holds one as its stdout or stderr may be the
// service's (see pipeOwner.proves and readPiped). nil if no record has
// any.
func recordedPipes(recs []Record) map[uint64]*pipeOwner {
	var pipes map[uint64]*pipeOwner
	for _, r := range recs {
		if r.Service == "" {
			continue
		}
		o := &pipeOwner{service: r.Service, pgid: r.PGID, startTime: r.StartTime}
		for _, ino := range r.Pipes {
			if ino != 0 && !slices.Contains(o.pipes, ino) {
				o.pipes = append(o.pipes, ino)
			}
		}
		for _, ino := range o.pipes {
			if pipes == nil {
				pipes = make(map[uint64]*pipeOwner)
			}
			pipes[ino] = o
		}
	}
	return pipes
}

// maxRounds bounds the searches of KillStale.
const maxRounds = 10

// killRound signals victims as KillStale describes, and returns those it
// signalled.
func killRound(ctx context.Context, victims []victim, stop StopPolicy, log *slog.Logger) []victim {
	var signalled []victim
	for _, v := range victims {
		v.stop = stop(v.rec.Service)
		err := signal(v, v.stop.Signal)
		switch {
		case errors.Is(err, process.ErrNoProcess) || errors.Is(err, fs.ErrNotExist):
			log.Debug("process left by a previous superd exited meanwhile", recordAttrs(v)...)
		case err != nil:
			log.Error("cannot stop a process left by a previous superd", append(recordAttrs(v), "signal", v.stop.Signal, "err", err)...)
		default:
			log.Info("stopping a process left by a previous superd",
				append(recordAttrs(v), "signal", v.stop.Signal, "grace", v.stop.Grace)...)
			// A suspended process would only handle the signal once continued.
			_ = signal(v, "SIGCONT")
			signalled = append(signalled, v)
		}
	}
	if len(signalled) == 0 {
		return nil
	}

	sent := time.Now()
	// Each victim gets SIGKILL once its identified processes are gone (a
	// group: other members may ignore the signal) or its grace is over
	// (they linger), whichever comes first.
	killed := make([]bool, len(signalled))
	kill := func(i int, lingering bool) {
		v := signalled[i]
		killed[i] = true
		if lingering {
			log.Warn("process left by a previous superd did not exit after "+v.stop.Signal+"; killing it",
				append(recordAttrs(v), "waited", time.Since(sent).Round(time.Millisecond))...)
		} else if !v.group {
			return
		}
		// (Should a group have emptied meanwhile, its number could only
		// have been reused after the pid allocator wrapped around within
		// the grace period.)
		err := signal(v, "SIGKILL")
		if err != nil && !errors.Is(err, process.ErrNoProcess) && !errors.Is(err, fs.ErrNotExist) {
			log.Error("cannot kill a process left by a previous superd", append(recordAttrs(v), "err", err)...)
		}
	}
	for delay := pollMin; ; delay = min(2*delay, pollMax) {
		next := time.Duration(-1) // until the nearest grace ends
		for i, v := range signalled {
			if killed[i] {
				continue
			}
			left := v.stop.Grace - time.Since(sent)
			switch {
			case allGone(v.watch):
				kill(i, false)
			case left <= 0 || ctx.Err() != nil:
				kill(i, true)
			case next < 0 || left < next:
				next = left
			}
		}
		if next < 0 {
			break // every victim got what it had coming
		}
		t := time.NewTimer(min(delay, next))
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
	}
	// Even when ctx is done: what SIGKILL ends goes in moments, and the
	// caller (superd stopping while it starts) must not exit before it.
	if !waitGone(context.WithoutCancel(ctx), signalled, killWait) {
		for _, v := range signalled {
			if !allGone(v.watch) {
				log.Error("process left by a previous superd still present after SIGKILL",
					append(recordAttrs(v), "waited", killWait)...)
			}
		}
	}
	return signalled
}

// findVictims returns the process groups and processes of st that are
// provably still running, logging why others are left alone.
func findVictims(st State, log *slog.Logger) []victim {
	ids := st.markerIDs()
	if len(st.Processes) == 0 && len(ids) == 0 {
		return nil
	}
	boot, bootErr := bootID()
	if errors.Is(bootErr, errors.ErrUnsupported) {
		if len(st.Processes) > 0 {
			log.Warn("cannot prove the identity of processes left by a previous superd on this platform; leaving them alone",
				"records", len(st.Processes))
		}
		return nil
	}
	// The pipes prove a process only during the boot they were recorded
	// in: their numbers are reused after a reboot.
	var pipes map[uint64]*pipeOwner
	if bootErr == nil && st.BootID != "" && st.BootID == boot {
		pipes = recordedPipes(st.Processes)
	}
	var found []marked
	if len(ids) > 0 || len(pipes) > 0 {
		var (
			unanswered []int
			err        error
		)
		if found, unanswered, err = findLeftovers(ids, pipes); err != nil {
			log.Error("cannot look for processes left by a previous superd", "err", err)
		}
		if len(unanswered) > 0 {
			log.Warn("processes whose environment or descriptors did not come within 2 s (stuck in the kernel, on a hung mount, say) were not checked for the marker or the output pipes of a previous superd's services: one that is such a service's, and not in a recorded group, is left running",
				"processes", len(unanswered), "pids", unanswered[:min(len(unanswered), 20)])
		}
	}

	var victims []victim
	covered := make(map[int]bool) // pids of found watched by a group
	switch {
	case len(st.Processes) == 0:
	case bootErr != nil:
		log.Error("cannot read the boot id: the recorded process groups cannot be identified", "err", bootErr)
	case st.BootID == "":
		log.Warn("the state file does not tell its boot: the recorded process groups cannot be identified",
			"records", len(st.Processes))
	case st.BootID != boot:
		log.Info("the state file is from another boot: no process group it records still runs",
			"records", len(st.Processes), "boot_id", st.BootID)
	default:
		// The processes of the recorded groups that hold the service's
		// pipes (in found) prove their group too, marker or not.
		spared, sparedGroups := ancestorGroups()
		for _, r := range st.Processes {
			v, ok := groupVictim(r, found, log)
			if !ok {
				continue
			}
			for _, ref := range v.watch {
				covered[ref.pid] = true
			}
			if sparedGroups[r.PGID] {
				victims = append(victims, oneByOne(v, spared, log)...)
				continue
			}
			victims = append(victims, v)
		}
	}
	return append(victims, markedVictims(found, covered)...)
}

// markedVictims returns the victims for the processes of found whose pids
// are not covered by a recorded group: those that left their service's
// group (by their marker, or by the service's pipe they hold), and those
// of a group whose record was not written yet (the state file is written
// in batches) or is from another boot. The group of a
// session that only the service's processes can be in (see ownGroup) is
// a victim as a whole, so that its members that cleared their environment
// go with it, as they do with a recorded group; any other process alone.
func markedVictims(found []marked, covered map[int]bool) []victim {
	services := make(map[int]string, len(found)) // pid -> service
	for _, m := range found {
		services[m.ref.pid] = m.service
	}
	var victims []victim
	groups := make(map[int]int) // pgid -> index in victims
	for _, m := range found {
		if covered[m.ref.pid] {
			continue
		}
		if i, ok := groups[m.pgid]; ok && victims[i].rec.Service == m.service {
			victims[i].watch = append(victims[i].watch, m.ref)
			continue
		}
		v := victim{
			rec:   Record{Service: m.service, PID: m.ref.pid, PGID: m.pgid, StartTime: m.ref.startTime},
			watch: []procRef{m.ref},
		}
		if leader, ok := services[m.pgid]; ownGroup(m, ok && leader == m.service) {
			v.group = true
			groups[m.pgid] = len(victims)
		}
		victims = append(victims, v)
	}
	return victims
}

// groupVictim returns the victim for the group of r, if its leader or a
// process of found in the group proves that it still runs.
func groupVictim(r Record, found []marked, log *slog.Logger) (victim, bool) {
	attrs := []any{"service", r.Service, "pid", r.PID, "pgid", r.PGID}
	if r.Service == "" || r.PID <= 1 || r.PGID <= 1 {
		log.Warn("invalid record in the state file; ignored", attrs...)
		return victim{}, false
	}
	v := victim{rec: r, group: true}
	if leader, ok := provenLeader(r, log); ok {
		v.watch = append(v.watch, leader)
	}
	for _, m := range found {
		// (A process may be found twice: by its marker and by its pipe.)
		if m.pgid == r.PGID && m.service == r.Service && m.ref.pid != r.PID && !slices.Contains(v.watch, m.ref) {
			v.watch = append(v.watch, m.ref)
		}
	}
	if len(v.watch) == 0 {
		log.Debug("no process of the recorded group can be identified; leaving it alone", attrs...)
		return victim{}, false
	}
	return v, true
}

// oneByOne returns the victims that stand for v, the victim of a recorded
// group that this process, or one of its ancestors, is in: a process of
// the service started this superd without a session of its own (a script
// that killed the superd before it, then started this one). A signal to
// the group would reach this superd, and kill it; so each process of the
// group that proved it (its leader, its marked members) is a victim of
// its own instead, but this process and its ancestors (in spared), which
// are never signalled. Members that cleared their environment are left.
func oneByOne(v victim, spared map[int]bool, log *slog.Logger) []victim {
	log.Warn("a process group left by a previous superd holds this superd, or a process that started it: its processes are stopped one by one, not as a group, and this superd and its ancestors are spared",
		recordAttrs(v)...)
	var out []victim
	for _, ref := range v.watch {
		if !spared[ref.pid] {
			out = append(out, victim{rec: Record{Service: v.rec.Service, PID: ref.pid, PGID: v.rec.PGID, StartTime: ref.startTime},
				watch: []procRef{ref}})
		}
	}
	return out
}

// provenLeader returns the leader of r's group if it still exists (maybe
// as a zombie) and is provably the process r recorded, and logs why not
// otherwise.
func provenLeader(r Record, log *slog.Logger) (procRef, bool) {
	attrs := []any{"service", r.Service, "pid", r.PID, "pgid", r.PGID}
	if r.StartTime == 0 {
		log.Warn("record without start time: its leader cannot be identified", attrs...)
		return procRef{}, false
	}
	info, err := inspect(r.PID)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		log.Debug("the recorded leader is gone", attrs...)
		return procRef{}, false
	case err != nil:
		log.Warn("cannot inspect the recorded leader", append(attrs, "err", err)...)
		return procRef{}, false
	case info.startTime != r.StartTime:
		log.Info("the recorded leader's pid now belongs to another process", attrs...)
		return procRef{}, false
	case info.pgid != r.PGID:
		log.Warn("the recorded leader moved to another process group", append(attrs, "current_pgid", info.pgid)...)
		return procRef{}, false
	}
	return procRef{pid: r.PID, startTime: r.StartTime}, true
}

// signal sends sig (such as "SIGTERM") to the group or process of v. A
// single process is checked first, so that a pid reused since it was found
// is not signalled.
func signal(v victim, sig string) error {
	if v.group {
		return process.SignalGroup(v.rec.PGID, sig)
	}
	if allGone(v.watch) {
		return fs.ErrNotExist
	}
	s, err := process.SignalNumber(sig)
	if err != nil {
		return err
	}
	return signalProcess(v.rec.PID, s)
}

// gone reports whether ref has terminated: it no longer exists, is a
// zombie, or its pid belongs to another process.
func gone(ref procRef) bool {
	info, err := inspect(ref.pid)
	if err != nil {
		return errors.Is(err, fs.ErrNotExist)
	}
	return info.exited() || info.startTime != ref.startTime
}

// allGone reports whether every process of refs has terminated.
func allGone(refs []procRef) bool {
	return !slices.ContainsFunc(refs, func(r procRef) bool { return !gone(r) })
}

// waitGone polls until the watched processes of vs have all terminated, d
// has elapsed or ctx is done, and reports whether they all terminated.
func waitGone(ctx context.Context, vs []victim, d time.Duration) bool {
	deadline := time.Now().Add(d)
	var pending []procRef
	for _, v := range vs {
		pending = append(pending, v.watch...)
	}
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

// recordAttrs returns the log attributes describing v.
func recordAttrs(v victim) []any {
	kind := "process"
	if v.group {
		kind = "process group"
	}
	attrs := []any{"service", v.rec.Service, "kind", kind, "pid", v.rec.PID, "pgid", v.rec.PGID}
	if v.group {
		// The processes that proved the group: its recorded leader may
		// be gone (its pid then names no process of it, or another's).
		pids := make([]int, 0, len(v.watch))
		for _, ref := range v.watch {
			pids = append(pids, ref.pid)
		}
		attrs = append(attrs, "found", pids)
	}
	return attrs
}
