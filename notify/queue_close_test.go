package notify

import (
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// TestQueueCloseReleasesWebhookConnections: closing a webhook's queue (a
// reload replacing the webhooks, or shutdown) closes the webhook's
// keep-alive connection to the receiver, instead of leaving it open until
// the idle timeout.
func TestQueueCloseReleasesWebhookConnections(t *testing.T) {
	var open, closed atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		switch s {
		case http.StateNew:
			open.Add(1)
		case http.StateClosed:
			closed.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()

	wh, err := NewWebhook(WebhookConfig{Name: "k", URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	q := NewQueue(wh, 0, nil)
	q.Enqueue(ev(1))
	closeQueue(t, q)
	if st := q.Stats(); st.Delivered != 1 {
		t.Fatalf("stats %+v, want 1 delivered", st)
	}
	deadline := time.Now().Add(15 * time.Second)
	for open.Load() != 1 || closed.Load() != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("%d connection(s) opened, %d closed after the queue closed; want 1 and 1", open.Load(), closed.Load())
		}
		time.Sleep(5 * time.Millisecond)
	}
}
