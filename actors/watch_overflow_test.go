package actors

import (
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"
)

// TestWatchOverflowReloads: when the kernel's queue of file events
// overflows, the events lost may be those of a service file: superd --watch
// must reload, not just log a warning and miss the change until the next
// one.
func TestWatchOverflowReloads(t *testing.T) {
	events, errs := make(chan fsnotify.Event), make(chan error)
	sent := make(chan *fsChanged, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		forwardWatch(events, errs, "/etc/super", func(m *fsChanged) { sent <- m }, slog.New(slog.DiscardHandler))
	}()
	defer func() {
		close(events)
		<-done
	}()
	errs <- fmt.Errorf("read: %w", fsnotify.ErrEventOverflow)
	select {
	case <-sent:
	case <-time.After(10 * time.Second):
		t.Fatal("no reload after an overflow of the file events")
	}
}
