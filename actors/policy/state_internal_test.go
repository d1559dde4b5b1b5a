package policy

import (
	"testing"
	"time"

	"github.com/supers-dev/supers/config"
)

// TestRecordStartBoundedMemory checks that a State keeps at most
// StartLimitBurst start times, only those inside the window, and none when
// the start limit is off.
func TestRecordStartBoundedMemory(t *testing.T) {
	t0 := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	p := config.RestartPolicy{StartLimitBurst: 5, StartLimitInterval: time.Minute}
	var s State
	for i := range 1000 {
		s.RecordStart(p, t0.Add(time.Duration(i)*time.Millisecond))
		if len(s.starts) > 5 {
			t.Fatalf("after %d starts: %d kept", i+1, len(s.starts))
		}
	}
	if want := t0.Add(999 * time.Millisecond); !s.starts[4].Equal(want) {
		t.Errorf("newest kept start %v, want %v", s.starts[4], want)
	}
	// Two minutes later, the old starts have left the window.
	s.RecordStart(p, t0.Add(2*time.Minute))
	if len(s.starts) != 1 {
		t.Errorf("%d starts kept, want only the new one", len(s.starts))
	}
	// Exactly StartLimitInterval old is outside the window.
	s.RecordStart(p, t0.Add(3*time.Minute))
	if len(s.starts) != 1 {
		t.Errorf("a start one interval old was kept: %v", s.starts)
	}

	off := p
	off.StartLimitInterval = 0
	s.RecordStart(off, t0.Add(4*time.Minute))
	if len(s.starts) != 0 {
		t.Errorf("%d starts kept without a start limit", len(s.starts))
	}
}

// TestStreakSaturates checks that the streak counter stops at the largest int.
func TestStreakSaturates(t *testing.T) {
	s := State{streak: maxInt - 1}
	p := config.RestartPolicy{Mode: config.RestartAlways, Delay: time.Second, MaxDelay: time.Minute, StableAfter: time.Hour}
	for range 3 {
		d := s.Failure(p, Exited(1), 0, time.Time{}, nil)
		if d.Attempt != maxInt || !d.Restart || d.Delay != time.Minute {
			t.Fatalf("%+v", d)
		}
	}
}
