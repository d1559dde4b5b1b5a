package actors

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/notify"
)

// recordingHandler keeps the messages of the records logged through it.
type recordingHandler struct {
	mu   sync.Mutex
	msgs []string
}

func (h *recordingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordingHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.msgs = append(h.msgs, r.Message)
	return nil
}
func (h *recordingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recordingHandler) WithGroup(string) slog.Handler      { return h }

func (h *recordingHandler) count(sub string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, m := range h.msgs {
		if strings.Contains(m, sub) {
			n++
		}
	}
	return n
}

// TestCloseQueuesHangingFirst: at shutdown, a webhook that hangs uses its
// own flush time, not that of the webhooks after it: each queue gets the
// whole wait, in parallel, so a healthy webhook that has delivered
// everything closes cleanly and is not reported as failing to flush.
func TestCloseQueuesHangingFirst(t *testing.T) {
	rec := &recordingHandler{}
	log := slog.New(rec)

	release := make(chan struct{})
	hanging := notify.NewQueue(notify.NotifierFunc(func(ctx context.Context, _ notify.Event) error {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-release:
			return nil
		}
	}), 0, log)
	defer close(release)
	var delivered sync.WaitGroup
	delivered.Add(1)
	healthy := notify.NewQueue(notify.NotifierFunc(func(context.Context, notify.Event) error {
		delivered.Done()
		return nil
	}), 0, log)

	hanging.Enqueue(notify.NewEvent(notify.TypeStart, "a"))
	healthy.Enqueue(notify.NewEvent(notify.TypeStart, "a"))
	delivered.Wait()

	const wait = 500 * time.Millisecond
	start := time.Now()
	closeQueues([]*notify.Queue{hanging, healthy}, wait)
	if took := time.Since(start); took > wait+5*time.Second {
		t.Errorf("closeQueues took %s, want about %s", took, wait)
	}
	if n := rec.count("did not flush in time"); n != 1 {
		t.Errorf("%d \"did not flush in time\" warnings, want 1 (the hanging webhook only): %q", n, rec.msgs)
	}
	if st := healthy.Stats(); st.Delivered != 1 || st.Dropped != 0 || st.Failed != 0 {
		t.Errorf("healthy queue stats %+v", st)
	}
}

// TestEventsServiceFilterIncludesReloads: the events about a service
// include the reloads that added, removed or changed it, as a webhook's
// Services= filter does.
func TestEventsServiceFilterIncludesReloads(t *testing.T) {
	h := &eventsActor{log: slog.New(slog.DiscardHandler)}
	start := notify.NewEvent(notify.TypeStart, "web")
	other := notify.NewEvent(notify.TypeStart, "db")
	reloadWeb := notify.NewEvent(notify.TypeReload, "")
	reloadWeb.Changed = []string{"web"}
	reloadOther := notify.NewEvent(notify.TypeReload, "")
	reloadOther.Added = []string{"db"}
	for _, e := range []notify.Event{start, other, reloadWeb, reloadOther} {
		h.remember(&e)
	}
	reply := make(chan subscription, 1)
	h.handleSubscribe(&subscribe{service: "web", follow: true, reply: reply})
	sub := <-reply
	var got []string
	for _, e := range sub.history {
		got = append(got, e.ID)
	}
	if want := []string{start.ID, reloadWeb.ID}; !slices.Equal(got, want) {
		t.Errorf("history of web: %q, want %q (its start and the reload that changed it)", got, want)
	}

	// Live events are filtered the same way.
	reloadLive := notify.NewEvent(notify.TypeReload, "")
	reloadLive.Removed = []string{"web"}
	h.fanOut(notify.NewEvent(notify.TypeStart, "db"))
	h.fanOut(reloadLive)
	select {
	case e := <-sub.live:
		if e.ID != reloadLive.ID {
			t.Errorf("live event %s %q, want the reload that removed web", e.Type, e.Service)
		}
	default:
		t.Error("the reload that removed web was not streamed to its follower")
	}
}

// The history keeps at most eventHistory events in all, dropping the
// oldest, however many services they are about.
func TestEventHistoryBound(t *testing.T) {
	h := &eventsActor{log: slog.New(slog.DiscardHandler)}
	var ids []string
	for i := range eventHistory + 10 {
		e := notify.NewEvent(notify.TypeStart, fmt.Sprintf("s%d", i))
		ids = append(ids, e.ID)
		h.remember(&e)
	}
	reply := make(chan subscription, 1)
	h.handleSubscribe(&subscribe{reply: reply})
	got := (<-reply).history
	if len(got) != eventHistory {
		t.Fatalf("history of %d events, want %d", len(got), eventHistory)
	}
	for i, e := range got {
		if want := ids[i+10]; e.ID != want {
			t.Fatalf("history[%d] = %s, want %s (the oldest 10 dropped, order kept)", i, e.ID, want)
		}
	}
}

// The event types a webhook's Events= accepts are those the supervisor
// publishes: config cannot import notify, so the two lists are kept equal
// here.
func TestWebhookEventsAreNotifyTypes(t *testing.T) {
	if got, want := config.WebhookEvents(), notify.Types(); !slices.Equal(got, want) {
		t.Errorf("config.WebhookEvents() = %q, notify.Types() = %q", got, want)
	}
}
