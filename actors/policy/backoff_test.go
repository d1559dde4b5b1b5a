package policy_test

import (
	"math"
	"testing"
	"time"

	"github.com/supers-dev/supers/actors/policy"
	"github.com/supers-dev/supers/config"
)

// fixed returns a jitter source that always returns r.
func fixed(r float64) func() float64 { return func() float64 { return r } }

// backoffPolicy has the default delays.
func backoffPolicy() config.RestartPolicy {
	return config.RestartPolicy{Delay: config.DefaultRestartDelay, MaxDelay: config.DefaultRestartMaxDelay}
}

func TestBackoff(t *testing.T) {
	const ms = time.Millisecond
	def := backoffPolicy()
	zero := config.RestartPolicy{Delay: 0, MaxDelay: 30 * time.Second}
	small := config.RestartPolicy{Delay: 10 * ms, MaxDelay: 30 * time.Second}
	tinyMax := config.RestartPolicy{Delay: 1 * ms, MaxDelay: 10 * ms}
	maxBelowDelay := config.RestartPolicy{Delay: 5 * time.Second, MaxDelay: 2 * time.Second}
	noMax := config.RestartPolicy{Delay: time.Second, MaxDelay: 0}
	negative := config.RestartPolicy{Delay: -time.Second, MaxDelay: -time.Second}
	infinite := config.RestartPolicy{Delay: time.Second, MaxDelay: config.Infinity}

	tests := []struct {
		name    string
		p       config.RestartPolicy
		attempt int
		rnd     func() float64
		want    time.Duration
	}{
		// Growth ×2 (r = 0.5 is factor 1 while 1.2·base is under the
		// cap; without jitter, nil, the delay is base).
		{"1st", def, 1, fixed(0.5), 100 * ms},
		{"2nd", def, 2, fixed(0.5), 200 * ms},
		{"3rd", def, 3, fixed(0.5), 400 * ms},
		{"4th", def, 4, fixed(0.5), 800 * ms},
		{"9th", def, 9, nil, 25600 * ms},
		{"10th capped", def, 10, nil, 30 * time.Second},
		{"11th capped", def, 11, nil, 30 * time.Second},
		{"nil rnd is no jitter", def, 3, nil, 400 * ms},
		{"attempt 0 is 1", def, 0, nil, 100 * ms},
		{"negative attempt is 1", def, -7, nil, 100 * ms},

		// Jitter bounds: ×0.8 at r = 0, ×1.2 at r = 1.
		{"r=0", def, 1, fixed(0), 80 * ms},
		{"r=1", def, 1, fixed(1), 120 * ms},
		{"r=0.25", def, 1, fixed(0.25), 90 * ms},
		{"r=0 capped", def, 20, fixed(0), 24 * time.Second},
		{"r=1 capped", def, 20, fixed(1), 30 * time.Second}, // never above the cap
		{"r=0.5 capped", def, 20, fixed(0.5), 27 * time.Second},
		{"r=0.75 capped", def, 20, fixed(0.75), 28500 * ms}, // spread evenly up to the cap
		{"r=0.25 capped", def, 20, fixed(0.25), 25500 * ms},
		{"r=1 below the cap", def, 9, fixed(1), 30 * time.Second}, // 25.6s·1.2 capped
		{"r=0.5 below the cap", def, 9, fixed(0.5), 25240 * ms},   // [20.48s, 30s]
		{"r<0 clamps", def, 1, fixed(-3), 80 * ms},
		{"r>1 clamps", def, 1, fixed(7), 120 * ms},
		{"NaN is 0", def, 1, fixed(math.NaN()), 80 * ms},
		{"+Inf clamps", def, 1, fixed(math.Inf(1)), 120 * ms},

		// Huge attempt numbers do not overflow.
		{"63rd", def, 63, nil, 30 * time.Second},
		{"64th", def, 64, nil, 30 * time.Second},
		{"millionth", def, 1_000_000, fixed(0), 24 * time.Second},
		{"MaxInt", def, math.MaxInt, fixed(1), 30 * time.Second},

		// Delay = 0: the first restart is immediate, later ones are floored.
		{"zero 1st", zero, 1, fixed(1), 0},
		{"zero 2nd", zero, 2, fixed(0), policy.MinDelay},
		{"zero 2nd r=1", zero, 2, fixed(1), policy.MinDelay},
		{"zero millionth", zero, 1_000_000, fixed(0.5), policy.MinDelay},

		// The floor applies after jitter, from the 2nd attempt on.
		{"small 1st", small, 1, fixed(0), 8 * ms},
		{"small 2nd floored", small, 2, fixed(1), policy.MinDelay},
		{"small 4th floored", small, 4, fixed(1), policy.MinDelay}, // 80ms·1.2 = 96ms
		{"small 5th r=0 floored", small, 5, fixed(0), 128 * ms},    // 160ms·0.8
		{"small 5th r=0.5", small, 5, fixed(0.5), 160 * ms},
		{"floor beats MaxDelay", tinyMax, 5, fixed(1), policy.MinDelay}, // 10ms·1.2 < 100ms
		{"tiny max 1st", tinyMax, 1, fixed(0.5), 1 * ms},

		// Odd caps.
		{"MaxDelay below Delay", maxBelowDelay, 1, nil, 2 * time.Second},
		{"MaxDelay below Delay, r=1", maxBelowDelay, 1, fixed(1), 2 * time.Second},
		{"MaxDelay 0, 1st", noMax, 1, fixed(0.5), 0},
		{"MaxDelay 0, 3rd", noMax, 3, fixed(0.5), policy.MinDelay},
		{"negative durations", negative, 1, fixed(0.5), 0},
		{"negative durations 2nd", negative, 2, fixed(0.5), policy.MinDelay},
		{"infinite max 3rd", infinite, 3, fixed(0.5), 4 * time.Second},
		{"infinite max saturates", infinite, 1000, fixed(1), math.MaxInt64},
		{"infinite max saturates r=0", infinite, 1000, fixed(0), math.MaxInt64 - math.MaxInt64/5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := policy.Backoff(tt.p, tt.attempt, tt.rnd); got != tt.want {
				t.Errorf("Backoff(%v/%v, %d) = %v, want %v", tt.p.Delay, tt.p.MaxDelay, tt.attempt, got, tt.want)
			}
		})
	}
}

// TestBackoffJitterNearOne checks that r just below 1 stays below ×1.2.
func TestBackoffJitterNearOne(t *testing.T) {
	p := backoffPolicy()
	for _, r := range []float64{0.999, 0.999999, math.Nextafter(1, 0)} {
		got := policy.Backoff(p, 1, fixed(r))
		if got < 119*time.Millisecond || got > 120*time.Millisecond {
			t.Errorf("r=%v: Backoff = %v, want in [119ms, 120ms]", r, got)
		}
		if capped := policy.Backoff(p, 50, fixed(r)); capped < 29990*time.Millisecond || capped > 30*time.Second {
			t.Errorf("r=%v: capped Backoff = %v, want in [29.99s, 30s]", r, capped)
		}
	}
}

// TestBackoffSpread checks that a real random source spreads capped delays
// over the jitter range below the cap, so services do not restart in
// lockstep, and never past the cap.
func TestBackoffSpread(t *testing.T) {
	p := backoffPolicy()
	rnd := newRand(1)
	lo, hi := time.Duration(math.MaxInt64), time.Duration(0)
	atCap := 0
	for range 1000 {
		d := policy.Backoff(p, 30, rnd)
		lo, hi = min(lo, d), max(hi, d)
		if d == p.MaxDelay {
			atCap++
		}
	}
	// Not clamped: a clamp put about half of them on the cap, together.
	if atCap > 10 {
		t.Errorf("%d of 1000 capped delays are exactly the cap", atCap)
	}
	if lo < 24*time.Second || hi > 30*time.Second {
		t.Fatalf("delays in [%v, %v], outside [24s, 30s]", lo, hi)
	}
	if lo > 25*time.Second || hi < 29500*time.Millisecond {
		t.Errorf("delays in [%v, %v]: jitter does not spread them", lo, hi)
	}
}

// upperBound is the largest delay Backoff may return for p and attempt.
func upperBound(p config.RestartPolicy, attempt int) time.Duration {
	bound := max(p.MaxDelay, 0)
	if attempt >= 2 {
		bound = max(bound, policy.MinDelay)
	}
	return bound
}

func FuzzBackoff(f *testing.F) {
	f.Add(int64(100*time.Millisecond), int64(30*time.Second), 1, 0.5)
	f.Add(int64(0), int64(30*time.Second), 2, 0.0)
	f.Add(int64(time.Second), int64(math.MaxInt64), 1_000_000, 0.999999)
	f.Add(int64(math.MaxInt64), int64(math.MaxInt64), 2, 1.0)
	f.Add(int64(-5), int64(-5), -3, math.NaN())
	f.Add(int64(1), int64(10*time.Millisecond), math.MaxInt, 2.5)
	f.Fuzz(func(t *testing.T, delay, maxDelay int64, attempt int, r float64) {
		p := config.RestartPolicy{Delay: time.Duration(delay), MaxDelay: time.Duration(maxDelay)}
		d := policy.Backoff(p, attempt, fixed(r))
		if d < 0 {
			t.Fatalf("Backoff(%v, %v, %d, r=%v) = %v < 0", p.Delay, p.MaxDelay, attempt, r, d)
		}
		if attempt >= 2 && d < policy.MinDelay {
			t.Fatalf("Backoff(%v, %v, %d, r=%v) = %v below the floor", p.Delay, p.MaxDelay, attempt, r, d)
		}
		if ub := upperBound(p, attempt); d > ub {
			t.Fatalf("Backoff(%v, %v, %d, r=%v) = %v above %v", p.Delay, p.MaxDelay, attempt, r, d, ub)
		}
		// The delay never shrinks as the streak grows.
		if attempt >= 1 && attempt < math.MaxInt {
			if next := policy.Backoff(p, attempt+1, fixed(r)); next < d {
				t.Fatalf("Backoff(%v, %v, r=%v): attempt %d gives %v, attempt %d gives %v",
					p.Delay, p.MaxDelay, r, attempt, d, attempt+1, next)
			}
		}
	})
}
