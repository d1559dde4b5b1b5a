package policy

import (
	"fmt"
	"slices"
	"time"

	"github.com/supers-dev/supers/config"
)

// State is the restart history of one service: the length of its current
// streak of failures, the times of its recent start attempts and whether it
// gave up (fatal).
//
// The zero State is ready to use: no failures, no starts, not fatal. A State
// is not safe for concurrent use; it belongs to the service's supervisor,
// which calls [State.RecordStart] on every start attempt, [State.Failure]
// when the process ends without being asked to, and [State.Reset] on a
// manual restart, on a manual start of a service that is stopped, exited
// or fatal, and when a cooldown expires (not on a start of a service that
// runs, which does nothing, nor of one waiting for its restart, in backoff
// or stopping after a crash, which it brings forward: repeated, either
// would keep a crash loop from ever slowing down or giving up).
//
// Its memory is bounded: it keeps at most p.StartLimitBurst start times,
// and none when the start limit is off.
type State struct {
	streak int         // failures in the current streak
	starts []time.Time // start attempts still inside the window, oldest first
	fatal  bool        // the start limit was hit; no automatic restarts
}

// Decision is what [State.Failure] decided.
type Decision struct {
	// Restart says the service must be started again after Delay.
	Restart bool
	// Delay is how long to wait before that restart (0: at once). It is
	// only set when Restart is true.
	Delay time.Duration
	// Attempt is the position of this failure in its streak (1, 2, 3...).
	Attempt int
	// Clean says the process ended cleanly (see [Clean]); the service can
	// show it as exited rather than failed when it is not restarted.
	Clean bool
	// GiveUp says the start limit was hit: the service is now fatal and gets
	// no automatic restart until [State.Reset]. Restart is false.
	GiveUp bool
	// Retry, when GiveUp is true and the policy's Cooldown is > 0, is how
	// long to wait before calling [State.Reset] and trying the service again
	// from scratch (it equals Cooldown). 0 means never.
	Retry time.Duration
	// Reason explains the decision for logs and status, e.g.
	// "exit code 3 (unclean) with Restart=on-failure",
	// "signal SIGKILL is in RestartPreventExitStatus" or
	// "start limit 10 in 10m0s hit".
	Reason string
}

// limited reports whether p has a start limit: like systemd, a
// StartLimitInterval or StartLimitBurst ≤ 0 turns it off.
func limited(p config.RestartPolicy) bool {
	return p.StartLimitInterval > 0 && p.StartLimitBurst > 0
}

// RecordStart records a start attempt made at now, automatic or manual, and
// whether or not the program could be executed; but not one that failed
// for lack of a resource (see [State.Failure]). It forgets the attempts
// that left the window (made StartLimitInterval or longer before now) and
// keeps only the last p.StartLimitBurst, which is all [State.Failure]
// needs. Times must come from one monotonic clock.
func (s *State) RecordStart(p config.RestartPolicy, now time.Time) {
	if !limited(p) {
		s.starts = s.starts[:0]
		return
	}
	s.starts = slices.DeleteFunc(s.starts, func(t time.Time) bool {
		return now.Sub(t) >= p.StartLimitInterval
	})
	s.starts = append(s.starts, now)
	if n := len(s.starts) - p.StartLimitBurst; n > 0 {
		s.starts = slices.Delete(s.starts, 0, n)
	}
}

// Failure counts a run of the service that ended without being asked to,
// clean or not, and decides what happens next. o is how the run ended,
// ranFor how long it lasted (0 for an exec failure), now the time of the
// end and rnd the source of jitter (see [Backoff]).
//
// A clean end (see [Clean]) that p restarts is not a failure when its run
// and RestartSec= last [CleanRestartEvery] or more together: it ends the
// streak and, unless p.StartLimitInterval is [config.Infinity], empties
// the start limit's window, and is restarted after RestartSec= (Backoff's
// first delay), never given up on but by a limit over all time (see
// cleanEnd).
// A faster one counts as a failure: a program that exits at once backs
// off and gives up as a crash loop does. The steps below are for the
// other ends.
//
// Steps:
//  1. A run that lasted at least p.StableAfter ends the previous streak
//     and, unless p.StartLimitInterval is [config.Infinity], empties the
//     start limit's window (its start and those before it no longer
//     count): this failure is then the first of a new streak. Otherwise
//     it extends
//     the streak. Decision.Attempt is its position. A run shorter than
//     [MinDelay] is never stable, whatever StableAfter says, so an exec
//     failure (ranFor 0) always extends the streak and a crash loop always
//     reaches the MinDelay floor of Backoff, even with StableAfter=0 and
//     Delay=0: starts are then at least MinDelay apart.
//  2. [ShouldRestart] false: no restart (Restart and GiveUp false).
//  3. Delay = [Backoff](p, Attempt, rnd).
//  4. Start limit: the restart would start at now+Delay. If at that moment
//     p.StartLimitBurst starts or more have been recorded within the last
//     p.StartLimitInterval (a start at t counts while (now+Delay)−t <
//     StartLimitInterval), that restart would be one too many: the State
//     becomes fatal and the Decision says GiveUp, with Retry = p.Cooldown.
//     So with StartLimitBurst=3 a crash loop gets exactly 3 starts (the
//     first one and 2 restarts), then gives up. Exec failures count: every
//     start attempt recorded with RecordStart does.
//  5. Otherwise: Restart after Delay.
//
// A start that failed for lack of a resource (o.Resources: the supervisor
// or the system ran out of file descriptors, processes or memory) is not
// the service's failure and goes away on its own: it extends the streak
// (step 1) and is always restarted after [Backoff], whatever p.Mode and the
// exit-status lists say, without step 4. Its caller does not record it
// with RecordStart: it never counts against the start limit.
//
// A run that the supervisor's own failure ended (o.Internal: a bug in its
// code for the service, which killed the process) is not the service's
// failure either: it is always restarted, whatever p.Mode and the
// exit-status lists say; but unlike a resource failure it goes through
// steps 1 to 5, the start limit included, so that a bug that recurs at
// each start backs off and gives up as a crash loop does, rather than
// restart the service in a tight loop.
//
// A fatal State stays fatal until Reset: a failure reported before Reset
// that would be restarted gives up again instead (step 4 always hits), but
// for a resource failure.
func (s *State) Failure(p config.RestartPolicy, o Outcome, ranFor time.Duration, now time.Time, rnd func() float64) Decision {
	if ranFor >= max(p.StableAfter, MinDelay) {
		s.streak = 0
		if p.StartLimitInterval != config.Infinity {
			// No crash loop: its start does not count against the limit
			// either, or a service that fails about once a minute would
			// be given up on within 10 minutes by the default limit. A
			// limit over all time counts every start, as it says.
			s.starts = s.starts[:0]
		}
	}
	restart, reason := decide(p, o)
	if restart && !s.fatal && !o.Resources && Clean(p, o) {
		if ranFor+max(p.Delay, 0) >= CleanRestartEvery {
			return s.cleanEnd(p, reason, now, rnd)
		}
		reason += fmt.Sprintf(", %v after its start with RestartSec=%v: a clean end that would restart it more often than every %v counts as a failure",
			ranFor.Round(time.Millisecond), max(p.Delay, 0), CleanRestartEvery)
	}
	if s.streak < maxInt {
		s.streak++
	}
	d := Decision{Attempt: s.streak, Clean: Clean(p, o), Reason: reason}
	if !restart {
		return d
	}
	delay := Backoff(p, s.streak, rnd)
	// A resource failure is not the service's: it is never given up on.
	if !o.Resources && (s.fatal || s.limitHit(p, now, delay)) {
		s.fatal = true
		d.GiveUp = true
		d.Retry = max(p.Cooldown, 0)
		d.Reason = limitReason(p)
		if d.Clean {
			// Else nothing says why a clean end was given up on.
			d.Reason += fmt.Sprintf(" (a clean end restarted more often than every %v counts as a failure)", CleanRestartEvery)
		}
		return d
	}
	d.Restart = true
	d.Delay = delay
	return d
}

// CleanRestartEvery is how often at most a clean end that Restart=
// restarts is not a failure: its run and RestartSec= must last that long
// together. It is the rate systemd's default start limit allows (5 starts
// in 10 s): a job that does its work and exits 0, restarted at that pace
// or slower, runs for ever, as under systemd, and a program that exits at
// once is not restarted in a loop for ever.
const CleanRestartEvery = 2 * time.Second

// cleanEnd is Failure for a clean end that p restarts (Restart=always or
// on-success, or RestartForceExitStatus=) at most every CleanRestartEvery:
// not a failure, so it ends the streak and empties the start limit's
// window, and the restart comes after RestartSec= (with its jitter), as
// the first of a streak, never doubled and never given up on. But a
// window that never ends (StartLimitIntervalSec=infinity) is kept, as a
// stable run keeps it: that limit is StartLimitBurst= starts in all, and
// systemd's start limit counts starts, clean ends' restarts included, so
// the restart is given up on once the burst is spent (now is the time of
// the end).
func (s *State) cleanEnd(p config.RestartPolicy, reason string, now time.Time, rnd func() float64) Decision {
	s.streak = 0
	delay := Backoff(p, 1, rnd)
	if p.StartLimitInterval != config.Infinity {
		s.starts = s.starts[:0]
	} else if s.limitHit(p, now, delay) {
		s.fatal = true
		return Decision{Attempt: 1, Clean: true, GiveUp: true, Retry: max(p.Cooldown, 0), Reason: limitReason(p)}
	}
	return Decision{Restart: true, Delay: delay, Attempt: 1, Clean: true, Reason: reason}
}

// limitReason says which start limit was hit: "start limit 10 in 10m0s
// hit", or, for a window that never ends ([config.Infinity], as
// StartLimitIntervalSec=infinity gives), "start limit 3 in all
// (StartLimitIntervalSec=infinity) hit".
func limitReason(p config.RestartPolicy) string {
	if p.StartLimitInterval == config.Infinity {
		return fmt.Sprintf("start limit %d in all (StartLimitIntervalSec=infinity) hit", p.StartLimitBurst)
	}
	return fmt.Sprintf("start limit %d in %v hit", p.StartLimitBurst, p.StartLimitInterval)
}

// maxInt is the largest int, where the streak stops growing.
const maxInt = int(^uint(0) >> 1)

// limitHit reports whether a start at now+delay would exceed p's start limit.
func (s *State) limitHit(p config.RestartPolicy, now time.Time, delay time.Duration) bool {
	if !limited(p) || delay >= p.StartLimitInterval {
		return false
	}
	// t is in the window at now+delay iff now−t < Interval−delay, which
	// cannot overflow since 0 ≤ delay < Interval.
	cutoff := p.StartLimitInterval - delay
	n := 0
	for _, t := range s.starts {
		if now.Sub(t) < cutoff {
			n++
		}
	}
	return n >= p.StartLimitBurst
}

// Reset forgets the history: the streak, the recorded starts and the fatal
// state. Call it on a manual restart, on a manual start of a service that
// is stopped, exited or fatal (not of one that runs or waits for its
// restart: see [State]), and when the cooldown of a fatal service expires,
// before RecordStart.
func (s *State) Reset() {
	s.streak = 0
	s.starts = s.starts[:0]
	s.fatal = false
}

// Fatal reports whether the service gave up on its start limit and gets no
// automatic restart until Reset.
func (s *State) Fatal() bool { return s.fatal }

// Streak returns the number of failures in the current streak (0 after
// Reset or before any failure).
func (s *State) Streak() int { return s.streak }
