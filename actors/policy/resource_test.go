package policy_test

import (
	"testing"
	"time"

	"github.com/supers-dev/supers/actors/policy"
	"github.com/supers-dev/supers/config"
)

// A start that failed for lack of a resource is restarted whatever Restart=
// and the exit-status lists say, with the backoff of its streak, and is
// never given up on, even past the start limit (its caller does not record
// it as a start).
func TestResourceFailureIsAlwaysRetried(t *testing.T) {
	res := policy.ResourceFailure()
	for _, mode := range []config.RestartMode{config.RestartNo, config.RestartAlways, config.RestartOnSuccess,
		config.RestartOnFailure, config.RestartOnAbnormal, ""} {
		p := defaults()
		p.Mode = mode
		p.StartLimitBurst = 2
		if !policy.ShouldRestart(p, res) {
			t.Errorf("Restart=%q: ShouldRestart(%v) = false", mode, res)
		}
		if policy.Clean(p, res) {
			t.Errorf("Restart=%q: %v is clean", mode, res)
		}
		var st policy.State
		now := t0
		half := func() float64 { return 0.5 }
		for n := 1; n <= 50; n++ {
			d := st.Failure(p, res, 0, now, half)
			if !d.Restart || d.GiveUp || st.Fatal() {
				t.Fatalf("Restart=%q, failure %d: %+v, fatal %v; want a restart", mode, n, d, st.Fatal())
			}
			if want := policy.Backoff(p, n, half); d.Attempt != n || d.Delay != want {
				t.Fatalf("Restart=%q, failure %d: attempt %d, delay %v; want %d, %v", mode, n, d.Attempt, d.Delay, n, want)
			}
			now = now.Add(d.Delay)
		}
	}
}

// The start limit counts the starts recorded only: after resource failures,
// a crash loop still gets StartLimitBurst starts.
func TestResourceFailuresLeaveTheStartLimit(t *testing.T) {
	p := defaults()
	p.StartLimitBurst = 3
	var st policy.State
	now := t0
	rnd := newRand(2)
	for range 10 {
		now = now.Add(st.Failure(p, policy.ResourceFailure(), 0, now, rnd).Delay)
	}
	for starts := 1; ; starts++ {
		st.RecordStart(p, now)
		now = now.Add(10 * time.Millisecond)
		d := st.Failure(p, exit3, 10*time.Millisecond, now, rnd)
		if d.GiveUp {
			if starts != 3 {
				t.Fatalf("gave up after %d starts, want 3", starts)
			}
			return
		}
		if !d.Restart || starts > 3 {
			t.Fatalf("start %d: decision %+v", starts, d)
		}
		now = now.Add(d.Delay)
	}
}
