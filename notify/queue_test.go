package notify

import (
	"context"
	"errors"
	"log/slog"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder is a Notifier that records the services of the events it got,
// optionally blocking each delivery until release is closed or ctx ends.
type recorder struct {
	mu      sync.Mutex
	got     []string
	entered chan string   // receives each event's service as delivery starts
	release chan struct{} // nil: never block
	fail    bool
}

func (r *recorder) Notify(ctx context.Context, e Event) error {
	if r.entered != nil {
		r.entered <- e.Service
	}
	if r.release != nil {
		select {
		case <-r.release:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if r.fail {
		return errors.New("receiver down")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, e.Service)
	return nil
}

func (r *recorder) services() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.got...)
}

func ev(i int) Event { return NewEvent(TypeStart, "s"+strconv.Itoa(i)) }

func closeQueue(t *testing.T, q *Queue) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := q.Close(ctx); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func TestQueueDeliversInOrder(t *testing.T) {
	r := &recorder{}
	q := NewQueue(r, 0, nil)
	var want []string
	for i := range 200 {
		q.Enqueue(ev(i))
		want = append(want, "s"+strconv.Itoa(i))
	}
	waitFor(t, func() bool { return q.Stats().Delivered == 200 })
	closeQueue(t, q)
	if got := r.services(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("delivered out of order: %v", got)
	}
	if s := q.Stats(); s != (QueueStats{Delivered: 200}) {
		t.Errorf("stats = %+v", s)
	}
}

func TestQueueDropsOldestWhenFull(t *testing.T) {
	r := &recorder{entered: make(chan string, 10), release: make(chan struct{})}
	var logs syncBuffer
	q := NewQueue(r, 3, slog.New(slog.NewTextHandler(&logs, nil)))
	q.Enqueue(ev(0))
	if s := <-r.entered; s != "s0" { // the worker is now blocked on s0
		t.Fatalf("first delivery %s", s)
	}
	for i := 1; i <= 5; i++ {
		q.Enqueue(ev(i)) // never blocks
	}
	if s := q.Stats(); s.Dropped != 2 || s.Queued != 3 {
		t.Fatalf("stats = %+v, want 2 dropped, 3 queued", s)
	}
	close(r.release)
	closeQueue(t, q)
	if got := strings.Join(r.services(), ","); got != "s0,s3,s4,s5" {
		t.Errorf("delivered %s, want s0,s3,s4,s5", got)
	}
	if s := q.Stats(); s != (QueueStats{Delivered: 4, Dropped: 2}) {
		t.Errorf("stats = %+v", s)
	}
	// The first drop at once, the rest of the burst in one more warning
	// (here, at Close), not one per event.
	if n := strings.Count(logs.String(), "oldest events dropped"); n != 2 ||
		!strings.Contains(logs.String(), "dropped=1 ") || !strings.Contains(logs.String(), "dropped_total=2") {
		t.Errorf("%d drop log lines, want 2 (dropped=1, then dropped_total=2):\n%s", n, logs.String())
	}
}

func TestQueueCountsFailures(t *testing.T) {
	r := &recorder{fail: true}
	var logs syncBuffer
	q := NewQueue(r, 10, slog.New(slog.NewTextHandler(&logs, nil)))
	q.Enqueue(ev(1))
	q.Enqueue(ev(2))
	closeQueue(t, q)
	if s := q.Stats(); s.Failed != 2 || s.Delivered != 0 {
		t.Errorf("stats = %+v", s)
	}
	if !strings.Contains(logs.String(), "receiver down") {
		t.Errorf("failure not logged:\n%s", logs.String())
	}
}

func TestQueueSkipsUnmatched(t *testing.T) {
	rc := newReceiver(t, status(200))
	cfg := fastConfig(rc.URL)
	cfg.Filter = Filter{Services: []string{"s1"}}
	w := newTestWebhook(t, cfg)
	q := NewQueue(w, 1, nil)
	q.Enqueue(ev(1))
	q.Enqueue(ev(2)) // filtered out: must not push s1 out of the queue
	closeQueue(t, q)
	if s := q.Stats(); s != (QueueStats{Delivered: 1}) {
		t.Errorf("stats = %+v", s)
	}
	if reqs := rc.requests(); len(reqs) != 1 {
		t.Errorf("%d requests, want 1", len(reqs))
	}
}

func TestQueueCloseFlushesThenRefuses(t *testing.T) {
	r := &recorder{}
	q := NewQueue(r, 100, nil)
	for i := range 50 {
		q.Enqueue(ev(i))
	}
	closeQueue(t, q)
	if n := len(r.services()); n != 50 {
		t.Errorf("Close flushed %d of 50", n)
	}
	q.Enqueue(ev(99))
	if s := q.Stats(); s.Dropped != 1 || s.Delivered != 50 {
		t.Errorf("after Close: %+v", s)
	}
	closeQueue(t, q) // a second Close returns at once
}

func TestQueueCloseGivesUpAtDeadline(t *testing.T) {
	before := runtime.NumGoroutine()
	r := &recorder{entered: make(chan string, 10), release: make(chan struct{})} // never released
	q := NewQueue(r, 10, nil)
	for i := range 4 {
		q.Enqueue(ev(i))
	}
	<-r.entered
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := q.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Close = %v, want DeadlineExceeded", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("Close took %v", el)
	}
	// The delivery in flight was cancelled (failed); the other 3 dropped.
	if s := q.Stats(); s != (QueueStats{Failed: 1, Dropped: 3}) {
		t.Errorf("stats = %+v", s)
	}
	// A second Close (a deferred one) says the same: it returned nil,
	// as for a queue that lost nothing; with the same ended context too,
	// where select picked the idle branch half of the time.
	for range 20 {
		for _, c := range []context.Context{context.Background(), ctx} {
			if err := q.Close(c); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("second Close = %v, want the first's DeadlineExceeded", err)
			}
		}
	}
	// The worker is gone.
	waitFor(t, func() bool { return runtime.NumGoroutine() <= before })
}
