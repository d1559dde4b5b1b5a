//go:build linux

package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/supers-dev/supers/notify"
)

// TestWebhookMovedOffDeadReceiverKeepsEvents: the operator moves a
// webhook (same name, another URL=) away from a receiver that is down and
// reloads: the events queued for the dead receiver, and the one it was
// retrying, reach the new one, in order, before the events after the
// reload. They used to be dropped once the old configuration had tried
// for 5 s ("notifier did not flush in time: undelivered events dropped").
func TestWebhookMovedOffDeadReceiverKeepsEvents(t *testing.T) {
	t.Parallel()
	var attempts atomic.Int32
	dead := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		attempts.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer dead.Close()
	var mu sync.Mutex
	var got []string
	live := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, r.Header.Get("webhook-id"))
	}))
	defer live.Close()

	d := newDaemon(t, map[string]string{
		"a.service":   "[Service]\nExecStart=/bin/sleep 1000\n",
		"superd.conf": "[Webhook \"ops\"]\nURL=" + dead.URL + "\nRetries=10\n",
	}).start()
	d.waitRunning("a")
	d.mustCLI("restart", "a")
	waitFor(t, 10*time.Second, "the dead receiver tried", func() bool { return attempts.Load() > 0 })

	d.writeFile("superd.conf", "[Webhook \"ops\"]\nURL="+live.URL+"\nRetries=10\n")
	if res := d.reload(); !res.WebhooksReloaded || len(res.Errors) != 0 {
		t.Fatalf("reload: %+v", res)
	}
	d.mustCLI("stop", "a")

	var history []string
	err := d.client.Events(context.Background(), "", false, func(e notify.Event) error {
		history = append(history, e.ID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// start, exit, stop, start (the restart); exit, stop (the stop).
	if len(history) != 6 {
		t.Fatalf("%d events in the history, want 6", len(history))
	}
	waitFor(t, 20*time.Second, "every event at the new receiver", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) >= len(history)
	})
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(got, history) {
		t.Errorf("the new receiver got %q,\nwant every event in order %q", got, history)
	}
}
