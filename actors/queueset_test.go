package actors

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/supers-dev/supers/notify"
)

// nopNotifier delivers nothing, at once.
type nopNotifier struct{}

func (nopNotifier) Notify(context.Context, notify.Event) error { return nil }

// closeLeft closes the queues the hub never took (their workers stop) and
// leaves those closed already; add forgets the closed ones.
func TestQueueSetClosesWhatTheHubNeverTook(t *testing.T) {
	discard := slog.New(slog.DiscardHandler)
	taken, lost := notify.NewQueue(nopNotifier{}, 0, discard), notify.NewQueue(nopNotifier{}, 0, discard)
	var s queueSet
	s.add(taken, lost)
	if err := taken.Close(context.Background()); err != nil { // as the hub does
		t.Fatal(err)
	}
	s.add() // forgets taken
	if len(s.qs) != 1 || !s.qs[lost] {
		t.Fatalf("the set holds %d queues, want only the one not closed", len(s.qs))
	}
	if n := s.closeLeft(discard); n != 1 {
		t.Errorf("closeLeft closed %d queues, want 1", n)
	}
	select {
	case <-lost.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the queue the hub never took still runs")
	}
	if n := s.closeLeft(discard); n != 0 {
		t.Errorf("closeLeft again closed %d queues", n)
	}
}
