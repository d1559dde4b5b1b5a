package notify

import (
	"context"
	"slices"
	"testing"
	"time"
)

// services returns the services of events, in order.
func services(events []Event) []string {
	var s []string
	for _, e := range events {
		s = append(s, e.Service)
	}
	return s
}

// TestQueueHandoff: Handoff gives back what the queue did not deliver,
// oldest first, instead of delivering it: the delivery in flight ends
// first (delivered, it is not given back), and one it has to cut at its
// deadline comes first, to be sent again.
func TestQueueHandoff(t *testing.T) {
	t.Run("in flight delivered", func(t *testing.T) {
		r := &recorder{entered: make(chan string, 10), release: make(chan struct{})}
		q := NewQueue(r, 0, nil)
		for i := range 3 {
			q.Enqueue(ev(i))
		}
		<-r.entered // s0 in flight
		go func() { // once Handoff took s1 and s2 (or after 5 s: the test then fails)
			for deadline := time.Now().Add(5 * time.Second); q.Stats().Queued != 0 && time.Now().Before(deadline); {
				time.Sleep(2 * time.Millisecond)
			}
			close(r.release)
		}()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if got := services(q.Handoff(ctx)); !slices.Equal(got, []string{"s1", "s2"}) {
			t.Errorf("handed off %q, want [s1 s2]", got)
		}
		if got := r.services(); !slices.Equal(got, []string{"s0"}) {
			t.Errorf("delivered %q, want [s0]", got)
		}
		if s := q.Stats(); s != (QueueStats{Delivered: 1, HandedOff: 2}) {
			t.Errorf("stats = %+v", s)
		}
		q.Enqueue(ev(9)) // after Handoff: dropped
		if s := q.Stats(); s.Dropped != 1 || s.Queued != 0 {
			t.Errorf("after Handoff: %+v", s)
		}
	})
	t.Run("in flight cut", func(t *testing.T) {
		r := &recorder{entered: make(chan string, 10), release: make(chan struct{})} // never released
		q := NewQueue(r, 0, nil)
		for i := range 3 {
			q.Enqueue(ev(i))
		}
		<-r.entered
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		if got := services(q.Handoff(ctx)); !slices.Equal(got, []string{"s0", "s1", "s2"}) {
			t.Errorf("handed off %q, want [s0 s1 s2]", got)
		}
		if s := q.Stats(); s != (QueueStats{HandedOff: 3}) {
			t.Errorf("stats = %+v: a cut delivery handed off is neither failed nor dropped", s)
		}
	})
	t.Run("idle", func(t *testing.T) {
		q := NewQueue(&recorder{}, 0, nil)
		if got := q.Handoff(context.Background()); len(got) != 0 {
			t.Errorf("an idle queue handed off %d events", len(got))
		}
		if got := q.Handoff(context.Background()); got != nil {
			t.Errorf("a second Handoff handed off %d events", len(got))
		}
	})
}
