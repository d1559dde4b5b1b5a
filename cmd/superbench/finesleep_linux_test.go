//go:build linux

package main

import (
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func timerSlack(t testing.TB) int {
	t.Helper()
	v, err := unix.PrctlRetInt(unix.PR_GET_TIMERSLACK, 0, 0, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestFineSleeper checks that a fine sleeper sleeps at least what it is
// asked, lowers its thread's timer slack while it lives and gives it back.
func TestFineSleeper(t *testing.T) {
	runtime.LockOSThread() // to read the same thread's slack after close
	defer runtime.UnlockOSThread()
	before := timerSlack(t)
	s, err := newFineSleeper()
	if err != nil {
		t.Fatal(err)
	}
	if got := timerSlack(t); got != int(fineSlack.Nanoseconds()) {
		t.Errorf("timer slack while sleeping finely = %d ns, want %d", got, fineSlack.Nanoseconds())
	}
	for _, d := range []time.Duration{0, 50 * time.Microsecond, 2 * time.Millisecond} {
		t0 := time.Now()
		if err := s.sleep(d); err != nil {
			t.Fatal(err)
		}
		if got := time.Since(t0); got < d {
			t.Errorf("sleep(%v) returned after %v", d, got)
		}
	}
	if err := s.close(); err != nil {
		t.Fatal(err)
	}
	if got := timerSlack(t); got != before {
		t.Errorf("timer slack after close = %d ns, want %d as before", got, before)
	}
}

// BenchmarkPollSleep compares how long a 100 µs sleep lasts with
// time.Sleep and with a fine sleeper (the restart benchmark's poll): see
// period-µs.
func BenchmarkPollSleep(b *testing.B) {
	const d = 100 * time.Microsecond
	report := func(b *testing.B, t0 time.Time) {
		b.ReportMetric(float64(time.Since(t0).Microseconds())/float64(b.N), "period-µs")
	}
	b.Run("time.Sleep", func(b *testing.B) {
		t0 := time.Now()
		for range b.N {
			time.Sleep(d)
		}
		report(b, t0)
	})
	b.Run("fine", func(b *testing.B) {
		s, err := newFineSleeper()
		if err != nil {
			b.Fatal(err)
		}
		defer s.close()
		t0 := time.Now()
		for range b.N {
			if err := s.sleep(d); err != nil {
				b.Fatal(err)
			}
		}
		report(b, t0)
	})
}
