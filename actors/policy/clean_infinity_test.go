package policy_test

import (
	"strings"
	"testing"
	"time"

	"github.com/supers-dev/supers/actors/policy"
	"github.com/supers-dev/supers/config"
)

// With StartLimitIntervalSec=infinity the limit is StartLimitBurst= starts
// in all, as in systemd, whose start limit counts starts, not failures: a
// clean end keeps the window as a stable run does, and its restart counts
// and is given up on once the burst is spent. It used to empty the window,
// so a job alternating exit 0 and exit 1 ran for ever.
func TestCleanEndKeepsAnInfiniteWindow(t *testing.T) {
	p := defaults()
	p.Mode = config.RestartAlways
	p.StartLimitBurst = 2
	p.StartLimitInterval = config.Infinity
	var st policy.State
	rnd := newRand(11)
	now := t0
	starts := 0
	var d policy.Decision
	for i := range 16 {
		st.RecordStart(p, now)
		starts++
		ranFor := 2200 * time.Millisecond
		now = now.Add(ranFor)
		d = st.Failure(p, policy.Outcome{Code: i % 2}, ranFor, now, rnd)
		if !d.Restart {
			break
		}
		now = now.Add(d.Delay)
	}
	if starts != p.StartLimitBurst || !d.GiveUp || !st.Fatal() {
		t.Fatalf("exit 0 and exit 1 in turn: %d starts, last %+v; want %d, then give up", starts, d, p.StartLimitBurst)
	}

	// Clean ends alone are given up on too, and the reason names the
	// limit, not a clean end that came too fast.
	for _, delay := range []time.Duration{5 * time.Second, time.Hour} {
		p.StartLimitBurst = 3
		p.Delay, p.MaxDelay = delay, delay
		st = policy.State{}
		now = t0
		starts = 0
		for range 100 {
			st.RecordStart(p, now)
			starts++
			now = now.Add(time.Minute)
			d = st.Failure(p, policy.Outcome{Code: 0}, time.Minute, now, rnd)
			if !d.Restart {
				break
			}
			if d.Attempt != 1 || d.Delay < delay*8/10 || d.Delay > delay*12/10 {
				t.Fatalf("RestartSec=%v, clean end %d: %+v; want attempt 1, RestartSec= ±20%%", delay, starts, d)
			}
			now = now.Add(d.Delay)
		}
		if starts != p.StartLimitBurst || !d.GiveUp || !d.Clean {
			t.Fatalf("RestartSec=%v, clean ends only: %d starts, last %+v; want %d, then a clean give-up", delay, starts, d, p.StartLimitBurst)
		}
		if !strings.Contains(d.Reason, "start limit 3 in all") || strings.Contains(d.Reason, "more often than") {
			t.Errorf("give-up reason %q; want the limit over all time, not a clean end too fast", d.Reason)
		}
	}

	// A finite window still forgets the starts before a clean end.
	p = defaults()
	p.Mode = config.RestartAlways
	p.StartLimitBurst = 2
	st = policy.State{}
	now = t0
	for i := range 100 {
		st.RecordStart(p, now)
		now = now.Add(2200 * time.Millisecond)
		d = st.Failure(p, policy.Outcome{Code: i % 2}, 2200*time.Millisecond, now, rnd)
		if !d.Restart {
			t.Fatalf("10min window, exit 0 and exit 1 in turn: gave up after %d starts: %+v", i+1, d)
		}
		now = now.Add(d.Delay)
	}
}
