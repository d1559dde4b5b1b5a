package actors

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/supers-dev/supers/notify"
)

// TestCloseQueuesNoTimeLeftHealthyQuiet: at shutdown after a reload whose
// replaced webhooks used up the whole flush time, the hub closes the
// current queues with no time left. A webhook that has delivered
// everything has nothing to give up: it is not reported as failing to
// flush.
func TestCloseQueuesNoTimeLeftHealthyQuiet(t *testing.T) {
	rec := &recordingHandler{}
	log := slog.New(rec)
	healthy := notify.NewQueue(notify.NotifierFunc(func(context.Context, notify.Event) error {
		return nil
	}), 0, log)
	healthy.Enqueue(notify.NewEvent(notify.TypeStart, "a"))
	for deadline := time.Now().Add(20 * time.Second); healthy.Stats().Delivered != 1; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the event was not delivered")
		}
	}

	closeQueues([]*notify.Queue{healthy}, -1) // the deadline has passed
	if n := rec.count("did not flush in time"); n != 0 {
		t.Errorf("%d \"did not flush in time\" warnings for a webhook that lost nothing: %q", n, rec.msgs)
	}
	if st := healthy.Stats(); st != (notify.QueueStats{Delivered: 1}) {
		t.Errorf("healthy queue stats %+v", st)
	}
}
