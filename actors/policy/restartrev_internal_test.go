package policy_test

import (
	"testing"
	"time"

	"github.com/supers-dev/supers/actors/policy"
	"github.com/supers-dev/supers/config"
)

// An internal failure (the supervisor's own bug ended the run) is
// restarted whatever Restart= and the exit-status lists say, is never
// clean, and, unlike a resource failure, backs off and reaches the start
// limit as a crash loop does.
func TestRestartrevInternalFailure(t *testing.T) {
	o := policy.InternalFailure()
	if got := o.String(); got != "failure of the supervisor" {
		t.Errorf("String() = %q", got)
	}
	for _, mode := range []config.RestartMode{config.RestartNo, config.RestartOnSuccess, config.RestartOnFailure, config.RestartOnAbnormal, config.RestartAlways} {
		p := defaults()
		p.Mode = mode
		p.PreventExitStatus = config.ExitStatusSet{Codes: []int{0}, Signals: []string{"SIGKILL"}}
		if !policy.ShouldRestart(p, o) {
			t.Errorf("Restart=%s: an internal failure is not restarted", mode)
		}
		if policy.Clean(p, o) {
			t.Errorf("Restart=%s: an internal failure is clean", mode)
		}
	}

	p := defaults()
	p.Mode = config.RestartNo
	p.StartLimitBurst = 3
	var st policy.State
	starts, d := crashLoop(t, &st, p, o, 0, 100)
	if starts != 3 || !d.GiveUp || !st.Fatal() {
		t.Fatalf("%d starts, last decision %+v: want a give-up after 3 starts", starts, d)
	}

	// The streak grows: the second failure waits twice RestartSec.
	var st2 policy.State
	st2.RecordStart(p, t0)
	d1 := st2.Failure(p, o, 0, t0, nil)
	st2.RecordStart(p, t0.Add(d1.Delay))
	d2 := st2.Failure(p, o, 0, t0.Add(d1.Delay), nil)
	if d1.Delay != p.Delay || d2.Delay != 2*p.Delay || d2.Attempt != 2 {
		t.Fatalf("delays %v then %v (attempt %d): want %v then %v", d1.Delay, d2.Delay, d2.Attempt, p.Delay, 2*p.Delay)
	}
	// A long run before it starts a new streak.
	d3 := st2.Failure(p, o, time.Hour, t0.Add(time.Hour), nil)
	if d3.Attempt != 1 {
		t.Fatalf("after a stable run: attempt %d, want 1", d3.Attempt)
	}
}

// A start limit over all time (StartLimitIntervalSec=infinity) says so
// when it is hit, rather than print the largest Duration.
func TestRestartrevInfiniteLimitReason(t *testing.T) {
	p := defaults()
	p.StartLimitBurst = 2
	p.StartLimitInterval = config.Infinity
	var st policy.State
	_, d := crashLoop(t, &st, p, exit3, time.Hour, 100)
	if !d.GiveUp || d.Reason != "start limit 2 in all (StartLimitIntervalSec=infinity) hit" {
		t.Fatalf("decision %+v: want a give-up saying the limit is over all time", d)
	}
}
