package notify

import (
	"bufio"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
)

// logRecords parses a JSON log into its records.
func logRecords(t *testing.T, log string) []map[string]any {
	t.Helper()
	var recs []map[string]any
	sc := bufio.NewScanner(strings.NewReader(log))
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		recs = append(recs, rec)
	}
	return recs
}

// TestQueueWebhookFailureLoggedOnce: a delivery that finally fails (after
// its retries, or at once when it is not retried) is one line of superd's
// log, not a warning from the webhook and an error from its queue for the
// same loss. That line says everything: the webhook's URL without its
// path (a token is often there), the event, how many attempts were made,
// and the last error.
func TestQueueWebhookFailureLoggedOnce(t *testing.T) {
	for _, tc := range []struct {
		name     string
		code     int
		attempts string
	}{
		{"retried", http.StatusBadGateway, "3 attempts"},
		{"not retried", http.StatusNotFound, "not retried"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rc := newReceiver(t, status(tc.code))
			var logs syncBuffer
			logger := slog.New(slog.NewJSONHandler(&logs, nil))
			cfg := fastConfig(rc.URL + "/hook/pathT0KEN")
			cfg.Retries = 2
			cfg.Logger = logger
			q := NewQueue(newTestWebhook(t, cfg), 0, logger.With("webhook", cfg.Name))
			e := NewEvent(TypeExit, "web")
			q.Enqueue(e)
			waitFor(t, func() bool { return q.Stats().Failed == 1 })
			closeQueue(t, q)

			var final []map[string]any
			for _, rec := range logRecords(t, logs.String()) {
				if rec["event"] == e.ID && !strings.Contains(rec["msg"].(string), "will retry") {
					final = append(final, rec)
				}
			}
			if len(final) != 1 {
				t.Fatalf("%d log records report the failed delivery, want 1:\n%s", len(final), logs.String())
			}
			line, _ := json.Marshal(final[0])
			host := strings.TrimPrefix(rc.URL, "http://")
			for _, want := range []string{host, tc.attempts, http.StatusText(tc.code), `"type":"exit"`, `"service":"web"`} {
				if !strings.Contains(string(line), want) {
					t.Errorf("the failure's log line does not say %q: %s", want, line)
				}
			}
			if strings.Contains(logs.String(), "pathT0KEN") {
				t.Errorf("the URL path leaked:\n%s", logs.String())
			}
		})
	}
}

// TestQueueCloseCutDeliveryLoggedOnce: when Close gives up on a receiver
// that hangs, what is lost (the delivery it cut and the events still
// queued) is one warning naming the count, not an error for the cut
// delivery ("context canceled") followed by two warnings about the close.
func TestQueueCloseCutDeliveryLoggedOnce(t *testing.T) {
	rc := newReceiver(t, func(_ int, _ http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})
	var logs syncBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	cfg := fastConfig(rc.URL)
	cfg.Timeout = time.Minute
	cfg.Logger = logger
	q := NewQueue(newTestWebhook(t, cfg), 0, logger.With("webhook", cfg.Name))
	for i := range 3 {
		q.Enqueue(ev(i))
	}
	waitFor(t, func() bool { return len(rc.requests()) == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := q.Close(ctx); err == nil {
		t.Fatal("Close gave up on a hung receiver and returned nil")
	}
	recs := logRecords(t, logs.String())
	if len(recs) != 1 {
		t.Fatalf("%d log records for one close that lost 3 events, want 1:\n%s", len(recs), logs.String())
	}
	if recs[0]["level"] != "WARN" || recs[0]["dropped"] != float64(3) {
		t.Errorf("want a warning with dropped=3 (the delivery cut and the 2 queued): %v", recs[0])
	}
	if st := q.Stats(); st.Failed+st.Dropped != 3 {
		t.Errorf("stats %+v: the 3 events lost are not all counted", st)
	}
}

// TestQueueCloseLateSuccessIsNoLoss: when Close's context ends while a
// delivery is in flight, and that delivery then succeeds all the same
// (a notifier that does not watch its context), nothing was lost: Close
// returns nil and logs nothing.
func TestQueueCloseLateSuccessIsNoLoss(t *testing.T) {
	var logs syncBuffer
	release := make(chan struct{})
	entered := make(chan struct{})
	q := NewQueue(NotifierFunc(func(context.Context, Event) error {
		close(entered)
		<-release // deaf to its context
		return nil
	}), 0, slog.New(slog.NewJSONHandler(&logs, nil)))
	q.Enqueue(ev(0))
	<-entered
	ctx, cancel := context.WithCancel(context.Background())
	context.AfterFunc(ctx, func() { close(release) })
	cancel()
	if err := q.Close(ctx); err != nil {
		t.Errorf("Close = %v, want nil: the event was delivered", err)
	}
	if logs.String() != "" {
		t.Errorf("logged for a close that lost nothing:\n%s", logs.String())
	}
	if st := q.Stats(); st != (QueueStats{Delivered: 1}) {
		t.Errorf("stats %+v, want 1 delivered", st)
	}
}
