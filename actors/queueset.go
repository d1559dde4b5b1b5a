package actors

import (
	"context"
	"log/slog"
	"sync"

	"github.com/supers-dev/supers/notify"
)

// queueSet holds every webhook queue a Supervisor made, until it is
// closed: the event hub closes the queues it was given, but one sent to it
// as its Stopping overtook the message (a reload that ended as superd shut
// down: protoactor's stop overtakes the user messages queued) never
// reaches it, and its worker would run on after Run returned. Run closes
// those at its end (closeLeft).
type queueSet struct {
	mu sync.Mutex
	qs map[*notify.Queue]bool
}

// add records qs, and forgets the queues closed since the last add (so
// that reloads do not make the set grow).
func (s *queueSet) add(qs ...*notify.Queue) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for q := range s.qs {
		select {
		case <-q.Done():
			delete(s.qs, q)
		default:
		}
	}
	if s.qs == nil {
		s.qs = make(map[*notify.Queue]bool, len(qs))
	}
	for _, q := range qs {
		s.qs[q] = true
	}
}

// closeLeft closes the queues not closed yet, at once (the hub never had
// them: they hold no event), and returns how many there were.
func (s *queueSet) closeLeft(log *slog.Logger) int {
	if s == nil {
		return 0
	}
	s.mu.Lock()
	var left []*notify.Queue
	for q := range s.qs {
		select {
		case <-q.Done():
		default:
			left = append(left, q)
		}
	}
	s.qs = nil
	s.mu.Unlock()
	if len(left) == 0 {
		return 0
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, q := range left {
		_ = q.Close(ctx)
	}
	log.Warn("webhook queues the event hub never took (a reload that ended as superd shut down) closed", "queues", len(left))
	return len(left)
}
