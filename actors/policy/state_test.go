package policy_test

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/supers-dev/supers/actors/policy"
	"github.com/supers-dev/supers/config"
)

// t0 is an arbitrary start of time for the tests.
var t0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// newRand returns a deterministic jitter source.
func newRand(seed uint64) func() float64 {
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)).Float64
}

// defaults returns the default restart policy.
func defaults() config.RestartPolicy {
	return config.RestartPolicy{
		Mode:               config.DefaultRestartMode,
		Delay:              config.DefaultRestartDelay,
		MaxDelay:           config.DefaultRestartMaxDelay,
		StableAfter:        config.DefaultStableAfter,
		StartLimitBurst:    config.DefaultStartLimitBurst,
		StartLimitInterval: config.DefaultStartLimitInterval,
	}
}

// crashLoop plays a service that fails after running for ranFor each time,
// restarting it whenever told to, and returns the number of starts made and
// the last decision. It stops after limit starts.
func crashLoop(t *testing.T, st *policy.State, p config.RestartPolicy, o policy.Outcome, ranFor time.Duration, limit int) (int, policy.Decision) {
	t.Helper()
	rnd := newRand(7)
	now := t0
	starts := 0
	for {
		st.RecordStart(p, now)
		starts++
		now = now.Add(ranFor)
		d := st.Failure(p, o, ranFor, now, rnd)
		if !d.Restart || starts == limit {
			return starts, d
		}
		if ranFor < p.StableAfter && d.Attempt != starts {
			t.Fatalf("start %d: Attempt = %d", starts, d.Attempt)
		}
		now = now.Add(d.Delay)
	}
}

func TestStartLimitExactBurst(t *testing.T) {
	for _, burst := range []int{1, 2, 3, 10} {
		p := defaults()
		p.StartLimitBurst = burst
		var st policy.State
		starts, d := crashLoop(t, &st, p, exit3, 10*time.Millisecond, 1000)
		if starts != burst {
			t.Errorf("Burst=%d: %d starts before giving up", burst, starts)
		}
		if !d.GiveUp || d.Restart || d.Delay != 0 || !st.Fatal() {
			t.Errorf("Burst=%d: decision %+v, Fatal %v; want GiveUp", burst, d, st.Fatal())
		}
		if d.Retry != 0 {
			t.Errorf("Burst=%d: Retry = %v without Cooldown", burst, d.Retry)
		}
		if want := "start limit " + strconv.Itoa(burst) + " in 10m0s hit"; d.Reason != want {
			t.Errorf("Reason = %q, want %q", d.Reason, want)
		}
		if d.Attempt != burst {
			t.Errorf("Attempt = %d, want %d", d.Attempt, burst)
		}
	}
}

func TestStartLimitCountsExecFailures(t *testing.T) {
	p := defaults()
	p.Delay = 0
	p.StableAfter = 0 // every run would be "stable", but exec failures never are
	p.StartLimitBurst = 5
	var st policy.State
	now := t0
	var delays []time.Duration
	for {
		st.RecordStart(p, now)
		d := st.Failure(p, execErr, 0, now, newRand(3))
		if !d.Restart {
			if !d.GiveUp {
				t.Fatalf("exec failure not restarted: %+v", d)
			}
			break
		}
		delays = append(delays, d.Delay)
		now = now.Add(d.Delay)
	}
	if len(delays) != 4 {
		t.Fatalf("%d restarts, want 4 (5 starts)", len(delays))
	}
	if delays[0] != 0 {
		t.Errorf("first delay %v, want 0 with Delay=0", delays[0])
	}
	for i, d := range delays[1:] {
		if d < policy.MinDelay {
			t.Errorf("delay %d = %v below the floor", i+2, d)
		}
	}
}

// TestStartLimitWindowSlides checks the boundary of the sliding window: the
// start limit is evaluated at the time the restart would happen.
func TestStartLimitWindowSlides(t *testing.T) {
	for _, tt := range []struct {
		delay  time.Duration
		giveUp bool
	}{
		{699 * time.Millisecond, true},   // restart at t0+999ms: the start at t0 is still inside
		{700 * time.Millisecond, false},  // restart at t0+1s: the start at t0 has left
		{1200 * time.Millisecond, false}, // all three have left
	} {
		p := defaults()
		p.Delay = tt.delay
		p.StableAfter = time.Hour // an unstable run: its start counts; the first failure: Delay exactly (nil rnd)
		p.StartLimitBurst = 3
		p.StartLimitInterval = time.Second
		var st policy.State
		st.RecordStart(p, t0)
		st.RecordStart(p, t0.Add(100*time.Millisecond))
		st.RecordStart(p, t0.Add(200*time.Millisecond))
		d := st.Failure(p, exit3, 100*time.Millisecond, t0.Add(300*time.Millisecond), nil)
		if d.GiveUp != tt.giveUp || d.Restart == tt.giveUp {
			t.Errorf("Delay %v: %+v, want GiveUp %v", tt.delay, d, tt.giveUp)
		}
		if !d.GiveUp && d.Delay != tt.delay {
			t.Errorf("Delay %v: decision delay %v", tt.delay, d.Delay)
		}
	}
}

// TestSlowCrashLoopNeverGivesUp checks that starts leaving the window make
// room for new ones.
func TestSlowCrashLoopNeverGivesUp(t *testing.T) {
	p := defaults()
	p.StartLimitBurst = 3
	p.StartLimitInterval = time.Minute
	p.StableAfter = time.Hour
	var st policy.State
	// Runs of 25s (unstable) then ≥ 100ms of delay: at most 3 starts a minute.
	starts, d := crashLoop(t, &st, p, sigkill, 25*time.Second, 200)
	if starts != 200 || !d.Restart || st.Fatal() {
		t.Fatalf("gave up after %d starts: %+v", starts, d)
	}
}

func TestStartLimitOff(t *testing.T) {
	for _, p := range []config.RestartPolicy{
		func() config.RestartPolicy { p := defaults(); p.StartLimitInterval = 0; return p }(),
		func() config.RestartPolicy { p := defaults(); p.StartLimitBurst = 0; return p }(),
	} {
		var st policy.State
		starts, d := crashLoop(t, &st, p, exit3, 0, 500)
		if starts != 500 || !d.Restart {
			t.Errorf("interval %v burst %d: gave up after %d starts", p.StartLimitInterval, p.StartLimitBurst, starts)
		}
	}
}

func TestStartLimitInfiniteInterval(t *testing.T) {
	p := defaults()
	p.StartLimitBurst = 4
	p.StartLimitInterval = config.Infinity
	var st policy.State
	starts, d := crashLoop(t, &st, p, exit3, time.Hour, 100) // even stable runs count
	if starts != 4 || !d.GiveUp {
		t.Fatalf("%d starts, %+v; want GiveUp after 4", starts, d)
	}
}

func TestStability(t *testing.T) {
	p := defaults() // StableAfter 10s
	var st policy.State
	fail := func(ranFor time.Duration) policy.Decision {
		t.Helper()
		st.RecordStart(p, t0)
		return st.Failure(p, sigkill, ranFor, t0, nil)
	}
	for i, want := range []time.Duration{100, 200, 400, 800} {
		d := fail(9 * time.Second)
		if d.Attempt != i+1 || d.Delay != want*time.Millisecond {
			t.Fatalf("failure %d: %+v, want attempt %d delay %v", i+1, d, i+1, want*time.Millisecond)
		}
	}
	if got := st.Streak(); got != 4 {
		t.Fatalf("Streak = %d, want 4", got)
	}
	// A run of exactly StableAfter resets the streak before counting.
	d := fail(10 * time.Second)
	if d.Attempt != 1 || d.Delay != 100*time.Millisecond {
		t.Fatalf("after a stable run: %+v, want attempt 1 delay 100ms", d)
	}
	d = fail(time.Second)
	if d.Attempt != 2 || d.Delay != 200*time.Millisecond {
		t.Fatalf("after that: %+v, want attempt 2 delay 200ms", d)
	}
}

func TestStabilityNeedsMinDelay(t *testing.T) {
	p := defaults()
	p.Delay = 0
	p.StableAfter = 0
	var st policy.State
	for i := 1; i <= 3; i++ {
		d := st.Failure(p, exit3, 50*time.Millisecond, t0, nil)
		if d.Attempt != i {
			t.Fatalf("a 50ms run reset the streak: %+v", d)
		}
	}
	if d := st.Failure(p, exit3, policy.MinDelay, t0, nil); d.Attempt != 1 || d.Delay != 0 {
		t.Fatalf("a %v run with StableAfter=0: %+v, want attempt 1, delay 0", policy.MinDelay, d)
	}
}

func TestNoRestart(t *testing.T) {
	p := defaults()
	p.StartLimitBurst = 1
	var st policy.State
	st.RecordStart(p, t0)
	// The start limit is only consulted for a restart.
	d := st.Failure(p, exit0, time.Second, t0.Add(time.Second), nil)
	want := policy.Decision{Attempt: 1, Clean: true, Reason: "exit code 0 (clean) with Restart=on-failure"}
	if d != want || st.Fatal() {
		t.Fatalf("got %+v (fatal %v), want %+v", d, st.Fatal(), want)
	}
	p.Mode = config.RestartNo
	d = st.Failure(p, sigkill, time.Second, t0.Add(time.Second), nil)
	if d.Restart || d.GiveUp || d.Clean || d.Reason != "signal SIGKILL (unclean) with Restart=no" {
		t.Fatalf("Restart=no: %+v", d)
	}
}

func TestCooldownAndReset(t *testing.T) {
	p := defaults()
	p.StartLimitBurst = 3
	p.Cooldown = 5 * time.Minute
	var st policy.State
	starts, d := crashLoop(t, &st, p, exit3, time.Second, 100)
	if starts != 3 || !d.GiveUp || d.Retry != 5*time.Minute || !st.Fatal() {
		t.Fatalf("%d starts, %+v, fatal %v; want GiveUp after 3 with Retry 5m", starts, d, st.Fatal())
	}
	// Still fatal: a failure reported before Reset gives up again.
	d = st.Failure(p, exit3, 0, t0.Add(time.Hour), nil)
	if !d.GiveUp || d.Restart || d.Retry != 5*time.Minute {
		t.Fatalf("failure while fatal: %+v", d)
	}
	// The cooldown expires (or the user starts it): from scratch.
	st.Reset()
	if st.Fatal() || st.Streak() != 0 {
		t.Fatalf("after Reset: fatal %v streak %d", st.Fatal(), st.Streak())
	}
	starts, d = crashLoop(t, &st, p, exit3, time.Second, 100)
	if starts != 3 || !d.GiveUp {
		t.Fatalf("after Reset: %d starts, %+v; want another 3", starts, d)
	}
}

func TestResetClearsWindowAndStreak(t *testing.T) {
	p := defaults()
	p.StartLimitBurst = 2
	var st policy.State
	st.RecordStart(p, t0)
	if d := st.Failure(p, exit3, 0, t0, nil); !d.Restart || d.Attempt != 1 {
		t.Fatalf("first failure: %+v", d)
	}
	st.RecordStart(p, t0.Add(time.Second))
	// A manual restart instead of waiting for the failure.
	st.Reset()
	st.RecordStart(p, t0.Add(2*time.Second))
	d := st.Failure(p, exit3, 0, t0.Add(2*time.Second), nil)
	if !d.Restart || d.Attempt != 1 || d.Delay != 100*time.Millisecond {
		t.Fatalf("after Reset: %+v, want a first restart", d)
	}
}

func TestZeroPolicy(t *testing.T) {
	// The zero policy (nothing configured, not even defaults) is safe:
	// on-failure, immediate first restart, floor afterwards, no start limit.
	var st policy.State
	var p config.RestartPolicy
	for i := 1; i <= 3; i++ {
		st.RecordStart(p, t0)
		d := st.Failure(p, exit3, 0, t0, newRand(1))
		want := time.Duration(0)
		if i > 1 {
			want = policy.MinDelay
		}
		if !d.Restart || d.Attempt != i || d.Delay != want {
			t.Fatalf("failure %d: %+v, want delay %v", i, d, want)
		}
	}
}

func BenchmarkFailure(b *testing.B) {
	p := defaults()
	p.StartLimitInterval = time.Minute
	rnd := newRand(1)
	var st policy.State
	now := t0
	for b.Loop() {
		st.RecordStart(p, now)
		d := st.Failure(p, exit3, time.Second, now.Add(time.Second), rnd)
		if d.GiveUp {
			st.Reset()
		}
		now = now.Add(time.Second + d.Delay)
	}
}

// A run of StableSec= or more empties the start limit's window, as it
// ends the streak: with the default limit (10 starts in 10 minutes), a
// service that crashed about once a minute was given up on for good after
// ten minutes, where supervisord and PM2, which count only unstable
// starts, restart it for ever. Unstable runs still count.
func TestStableRunsDoNotCountAgainstTheLimit(t *testing.T) {
	p := defaults()
	var st policy.State
	starts, d := crashLoop(t, &st, p, exit3, 59*time.Second, 100)
	if starts != 100 || !d.Restart || st.Fatal() {
		t.Fatalf("runs of 59s: gave up after %d starts: %+v", starts, d)
	}
	var unstable policy.State
	starts, d = crashLoop(t, &unstable, p, exit3, p.StableAfter-time.Millisecond, 100)
	if starts != p.StartLimitBurst || !d.GiveUp {
		t.Fatalf("runs just short of StableSec=: %d starts, %+v; want a give-up after %d", starts, d, p.StartLimitBurst)
	}
}
