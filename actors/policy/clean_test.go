package policy_test

import (
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

// A program that exits 0 at once is not restarted in a tight loop: at
// least MinDelay apart, even with RestartSec=0.
func TestInstantCleanEndWaitsMinDelay(t *testing.T) {
	p := defaults()
	p.Mode = config.RestartAlways
	p.Delay = 0
	var st policy.State
	now := t0
	for i := range 50 {
		st.RecordStart(p, now)
		d := st.Failure(p, policy.Outcome{Code: 0}, time.Millisecond, now.Add(time.Millisecond), nil)
		if !d.Restart || d.Delay < policy.MinDelay {
			t.Fatalf("run %d: %+v, want a restart after at least %v", i+1, d, policy.MinDelay)
		}
		now = now.Add(time.Millisecond + d.Delay)
	}
	// A run that lasted longer than MinDelay is restarted at RestartSec=0:
	// at once.
	st.RecordStart(p, now)
	if d := st.Failure(p, policy.Outcome{Code: 0}, time.Second, now.Add(time.Second), nil); !d.Restart || d.Delay != 0 {
		t.Errorf("clean end after 1s with RestartSec=0: %+v, want a restart at once", d)
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
		now = now.Add(time.Second)
		d := st.Failure(p, policy.Outcome{Code: 0}, time.Second, now, nil)
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
