package notify

import (
	"bufio"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// droppedLogged sums the "dropped" counts of the "queue full" warnings in
// a JSON log.
func droppedLogged(t *testing.T, log string) uint64 {
	t.Helper()
	var sum uint64
	sc := bufio.NewScanner(strings.NewReader(log))
	for sc.Scan() {
		var rec struct {
			Msg     string `json:"msg"`
			Dropped uint64 `json:"dropped"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		if strings.Contains(rec.Msg, "queue full") {
			sum += rec.Dropped
		}
	}
	return sum
}

// TestQueueReportsEveryDrop checks that every event a full queue drops is
// reported in the log, not only the first of a burst: a receiver that
// stalls while a burst arrives, then recovers, must not leave the operator
// believing one event was lost when many were.
func TestQueueReportsEveryDrop(t *testing.T) {
	var buf syncBuffer
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	r := &recorder{entered: make(chan string, 100), release: make(chan struct{})}
	q := NewQueue(r, 2, logger)
	q.Enqueue(ev(0))
	<-r.entered // the worker holds s0; the queue is empty
	for i := 1; i <= 12; i++ {
		q.Enqueue(ev(i)) // s1, s2 fit; each later one drops the oldest
	}
	close(r.release)
	waitFor(t, func() bool { return q.Stats().Queued == 0 })
	closeQueue(t, q)

	st := q.Stats()
	if st.Dropped != 10 {
		t.Fatalf("Dropped = %d, want 10", st.Dropped)
	}
	if got := droppedLogged(t, buf.String()); got != st.Dropped {
		t.Errorf("log reports %d dropped events, queue dropped %d; log:\n%s", got, st.Dropped, buf.String())
	}
}

// TestQueueReportsLaterDropsWithoutClose checks that drops which follow a
// "queue full" warning are reported once dropLogInterval has passed since
// it, even when no event comes after them and the queue stays open.
func TestQueueReportsLaterDropsWithoutClose(t *testing.T) {
	var buf syncBuffer
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	r := &recorder{entered: make(chan string, 100), release: make(chan struct{})}
	q := NewQueue(r, 1, logger)
	defer closeQueue(t, q)
	defer close(r.release)
	q.Enqueue(ev(0))
	<-r.entered // the worker holds s0
	// As if the last warning was logged almost dropLogInterval ago.
	q.mu.Lock()
	q.lastDropLog = time.Now().Add(-dropLogInterval + 500*time.Millisecond)
	q.mu.Unlock()
	for i := 1; i <= 4; i++ {
		q.Enqueue(ev(i)) // s1 fits; s2, s3, s4 each drop the one before
	}
	waitFor(t, func() bool { return droppedLogged(t, buf.String()) == 3 })
	if n := strings.Count(buf.String(), "queue full"); n > 2 {
		t.Errorf("%d warnings for 3 drops, want at most 2:\n%s", n, buf.String())
	}
}
