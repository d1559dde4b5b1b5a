package policy_test

import (
	"strings"
	"testing"
	"time"

	"github.com/supers-dev/supers/actors/policy"
	"github.com/supers-dev/supers/config"
)

// A job that does its work and exits 0 under Restart=always is restarted
// for ever at its RestartSec=, as systemd does: a clean end is not a
// failure, so the delay does not double and the start limit (10 starts in
// 10 min by default) is never hit.
func TestCleanEndsAreRestartedForEver(t *testing.T) {
	for _, mode := range []config.RestartMode{config.RestartAlways, config.RestartOnSuccess} {
		p := defaults()
		p.Mode = mode
		p.Delay = 5 * time.Second
		var st policy.State
		rnd := newRand(3)
		now := t0
		for i := range 500 {
			st.RecordStart(p, now)
			now = now.Add(time.Second)
			d := st.Failure(p, policy.Outcome{Code: 0}, time.Second, now, rnd)
			if !d.Restart || d.GiveUp || !d.Clean || d.Attempt != 1 {
				t.Fatalf("%s, run %d: %+v, want a clean restart, attempt 1", mode, i+1, d)
			}
			if d.Delay < 4*time.Second || d.Delay > 6*time.Second {
				t.Fatalf("%s, run %d: delay %v, want RestartSec=5s ±20%%", mode, i+1, d.Delay)
			}
			now = now.Add(d.Delay)
		}
		if st.Streak() != 0 || st.Fatal() {
			t.Errorf("%s: streak %d, fatal %v after clean ends; want 0, false", mode, st.Streak(), st.Fatal())
		}
	}
}

// A program that exits 0 at once (or soon enough that its run and
// RestartSec= last less than CleanRestartEvery) is a crash loop in all
// but its status: it backs off and gives up as one, as systemd's default
// start limit gives up on it, rather than restart ten times a second for
// ever.
func TestQuickCleanEndsAreFailures(t *testing.T) {
	for _, tc := range []struct {
		name   string
		delay  time.Duration
		ranFor time.Duration
	}{
		{"exits at once, RestartSec=0", 0, time.Millisecond},
		{"exits at once, default RestartSec=", config.DefaultRestartDelay, time.Millisecond},
		{"1.5s in all", time.Second, 500 * time.Millisecond},
	} {
		p := defaults()
		p.Mode = config.RestartAlways
		p.Delay = tc.delay
		var st policy.State
		starts, last := crashLoop(t, &st, p, policy.Outcome{Code: 0}, tc.ranFor, 100)
		if !last.GiveUp || starts != p.StartLimitBurst {
			t.Errorf("%s: %d starts, last %+v; want %d, then give up", tc.name, starts, last, p.StartLimitBurst)
		}
		// The give-up says why, as the fatal status shows it: the
		// reason of each failure before it is in no status.
		if !strings.Contains(last.Reason, "start limit") || !strings.Contains(last.Reason, "a clean end restarted more often than every 2s counts as a failure") {
			t.Errorf("%s: give-up reason %q; want the limit, and why a clean end counted", tc.name, last.Reason)
		}
	}
	// At the pace systemd allows, it runs for ever.
	p := defaults()
	p.Mode = config.RestartAlways
	p.Delay = 1900 * time.Millisecond
	var st policy.State
	now := t0
	for i := range 100 {
		st.RecordStart(p, now)
		now = now.Add(100 * time.Millisecond)
		d := st.Failure(p, policy.Outcome{Code: 0}, 100*time.Millisecond, now, newRand(uint64(i)))
		if !d.Restart || d.GiveUp || d.Attempt != 1 {
			t.Fatalf("0.1s runs, RestartSec=1.9s, run %d: %+v, want a clean restart", i+1, d)
		}
		now = now.Add(d.Delay)
	}
	// The failure says why an exit 0 counted.
	st = policy.State{}
	p.Delay = 0
	st.RecordStart(p, t0)
	if d := st.Failure(p, policy.Outcome{Code: 0}, time.Millisecond, t0.Add(time.Millisecond), nil); !strings.Contains(d.Reason, "counts as a failure") {
		t.Errorf("reason %q, want it to say why a clean end counted as a failure", d.Reason)
	}
}

// A clean end empties the start limit's window: a crash after many clean
// runs is the first of its streak, not one too many.
func TestCleanEndEmptiesTheWindow(t *testing.T) {
	p := defaults()
	p.Mode = config.RestartAlways
	p.StartLimitBurst = 3
	var st policy.State
	now := t0
	for range 10 {
		st.RecordStart(p, now)
		now = now.Add(2 * time.Second)
		d := st.Failure(p, policy.Outcome{Code: 0}, 2*time.Second, now, nil)
		now = now.Add(d.Delay)
	}
	// crashLoop checks that each crash's Attempt is its start's number,
	// from 1.
	starts, last := crashLoop(t, &st, p, policy.Outcome{Code: 3}, time.Second, 100)
	if !last.GiveUp || starts != p.StartLimitBurst {
		t.Errorf("crash loop after clean runs: %d starts, last %+v; want %d, then give up", starts, last, p.StartLimitBurst)
	}
}

// Restart=on-failure does not restart a clean end (unchanged), and an
// unclean end under Restart=always still backs off and gives up.
func TestCleanRulesLeaveFailuresAlone(t *testing.T) {
	p := defaults()
	var st policy.State
	st.RecordStart(p, t0)
	if d := st.Failure(p, policy.Outcome{Code: 0}, time.Second, t0.Add(time.Second), nil); d.Restart || !d.Clean {
		t.Errorf("on-failure, exit 0: %+v, want no restart, clean", d)
	}
	p.Mode = config.RestartAlways
	st = policy.State{}
	starts, last := crashLoop(t, &st, p, policy.Outcome{Code: 1}, time.Second, 100)
	if !last.GiveUp || starts != p.StartLimitBurst {
		t.Errorf("Restart=always, exit 1 loop: %d starts, last %+v; want %d, then give up", starts, last, p.StartLimitBurst)
	}
	// SIGSEGV listed as success but dumping core is a crash.
	p.SuccessExitStatus = config.ExitStatusSet{Signals: []string{"SIGSEGV"}}
	st = policy.State{}
	starts, last = crashLoop(t, &st, p, policy.Outcome{Signal: "SIGSEGV", CoreDumped: true}, time.Second, 100)
	if !last.GiveUp || starts != p.StartLimitBurst {
		t.Errorf("core dumps: %d starts, last %+v; want %d, then give up", starts, last, p.StartLimitBurst)
	}
}
