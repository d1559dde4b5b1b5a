package notify

import (
	"context"
	"log/slog"
	"strings"
	"testing"
)

// TestQueueCloseIdleWithExpiredContext: a queue with nothing queued and no
// delivery in flight has nothing to flush, so closing it with a context
// that has already ended (superd's shutdown after a reload whose replaced
// webhooks used up the 5 s) succeeds, and logs no "did not flush in time"
// warning about a webhook that lost nothing.
func TestQueueCloseIdleWithExpiredContext(t *testing.T) {
	for i := range 50 {
		var logs syncBuffer
		r := &recorder{}
		q := NewQueue(r, 10, slog.New(slog.NewTextHandler(&logs, nil)))
		q.Enqueue(ev(i))
		waitFor(t, func() bool { return q.Stats().Delivered == 1 })
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := q.Close(ctx); err != nil {
			t.Fatalf("round %d: Close of an idle queue = %v, want nil", i, err)
		}
		if out := logs.String(); strings.Contains(out, "level=WARN") {
			t.Fatalf("round %d: idle queue logged a warning:\n%s", i, out)
		}
	}
}
