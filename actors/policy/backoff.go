package policy

import (
	"math"
	"math/bits"
	"time"

	"github.com/supers-dev/supers/config"
)

// MinDelay is the floor of the delay before the second and later restarts
// of a streak: consecutive restarts of a crash loop are never less than
// MinDelay apart, whatever the policy says.
const MinDelay = 100 * time.Millisecond

// jitterSteps is the resolution of the jitter: rnd's value is rounded down
// to a multiple of 1/jitterSteps.
const jitterSteps = 1 << 20

// Backoff returns the delay before the restart that follows failure number
// attempt (1, 2, 3...) of a streak:
//
//	base  = min(p.Delay · 2^(attempt−1), p.MaxDelay)
//	delay = lo + (hi − lo)·r       r = rnd(), in [0, 1)
//	        lo = 0.8·base, hi = min(1.2·base, p.MaxDelay)
//	delay = max(delay, MinDelay)   for attempt ≥ 2
//
// The jitter spreads services that fail together so they do not restart in
// lockstep. p.MaxDelay is a true cap, as RestartMaxDelaySec= promises: a
// delay is never more than MaxDelay, and a streak that reached it is spread
// evenly over [0.8, 1]·MaxDelay (a clamp would put half of them on
// MaxDelay, together), unless MinDelay is larger. MinDelay wins over
// MaxDelay. While 1.2·base is under the cap, r = 0.5 gives base itself.
//
// p.Delay = 0 restarts the first failure at once (delay 0) and every later
// one of the streak after MinDelay (0·2^n stays 0: the delay does not grow).
// A p.MaxDelay below p.Delay caps every base at p.MaxDelay; a p.MaxDelay ≤ 0
// caps it at 0. Negative durations count as 0.
//
// attempt < 1 counts as 1. The arithmetic saturates, so any attempt (even
// millions) and any durations, including [config.Infinity], are safe.
// rnd values outside [0, 1] are clamped (NaN counts as 0); a nil rnd means
// no jitter: the delay is base.
func Backoff(p config.RestartPolicy, attempt int, rnd func() float64) time.Duration {
	attempt = max(attempt, 1)
	base := min(shiftSat(max(p.Delay, 0), attempt-1), max(p.MaxDelay, 0))

	d := base
	if rnd != nil {
		d = jitter(base, max(p.MaxDelay, 0), rnd())
	}
	if attempt >= 2 {
		d = max(d, MinDelay)
	}
	return d
}

// shiftSat returns d·2^n for d ≥ 0 and n ≥ 0, saturating at the largest
// Duration instead of overflowing.
func shiftSat(d time.Duration, n int) time.Duration {
	if d == 0 {
		return 0
	}
	if n >= 63 || d > math.MaxInt64>>n {
		return math.MaxInt64
	}
	return d << n
}

// jitter returns lo + (hi − lo)·r, where lo = base − base/5 and hi = base +
// base/5 (saturating at the largest Duration), but at most ceil: computed
// in integers so that the result always lies in [lo, hi]. base must be in
// [0, ceil].
func jitter(base, ceil time.Duration, r float64) time.Duration {
	switch {
	case !(r >= 0): // also NaN
		r = 0
	case r > 1:
		r = 1
	}
	lo := base - base/5
	hi := min(base+min(base/5, math.MaxInt64-base), max(ceil, base))
	span := uint64(hi - lo)
	k := uint64(r * jitterSteps) // ≤ jitterSteps
	// span·k/jitterSteps ≤ span, without overflow: the 128-bit product's
	// high word is below jitterSteps since span < 2^63 and k ≤ 2^20.
	h, l := bits.Mul64(span, k)
	off, _ := bits.Div64(h, l, jitterSteps)
	return lo + time.Duration(off)
}
