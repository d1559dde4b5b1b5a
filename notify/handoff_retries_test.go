package notify

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// A webhook whose configuration changes (a secret rotated, a URL moved)
// hands what it had not delivered to its new configuration. The old one
// went on retrying after the handoff began, with the old secret: an answer
// not retried (401 once the receiver took the new secret) made the event
// fail for good, and it was never handed off. Now the handoff stops the
// retries at once, and an event whose delivery did not get through is
// handed off however it ended.
func TestHandoffStopsRetries(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		inFlight bool // Handoff begins during an attempt, not a backoff
	}{{"during a backoff", false}, {"during an attempt", true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var (
				requests atomic.Int32
				rotated  atomic.Bool
				entered  = make(chan struct{}, 10)
				release  = make(chan struct{})
			)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := requests.Add(1)
				if tc.inFlight && n == 2 {
					entered <- struct{}{}
					<-release
				}
				if rotated.Load() {
					w.WriteHeader(http.StatusUnauthorized) // the old secret no longer accepted
					return
				}
				w.WriteHeader(http.StatusServiceUnavailable)
			}))
			defer srv.Close()
			defer close(release)
			wh, err := NewWebhook(WebhookConfig{Name: "w", URL: srv.URL, Secrets: [][]byte{[]byte("old")},
				Retries: 5, BackoffBase: time.Hour, BackoffMax: time.Hour, Timeout: time.Minute})
			if err != nil {
				t.Fatal(err)
			}
			if tc.inFlight {
				wh.backoffBase, wh.backoffMax = time.Millisecond, time.Millisecond
			}
			q := NewQueue(wh, 0, nil)
			q.Enqueue(NewEvent(TypeExit, "a"))
			q.Enqueue(NewEvent(TypeStart, "b"))
			if tc.inFlight {
				<-entered // the second attempt is on the wire
			} else {
				for deadline := time.Now().Add(10 * time.Second); requests.Load() == 0; {
					if time.Now().After(deadline) {
						t.Fatal("no first attempt")
					}
					time.Sleep(time.Millisecond)
				}
			}
			rotated.Store(true)
			made := requests.Load()
			handed := make(chan []Event, 1)
			go func() { handed <- q.Handoff(context.Background()) }() // no deadline: it must not need one
			if tc.inFlight {
				// Once Handoff took b from the queue, the attempt on the
				// wire ends: 401.
				for deadline := time.Now().Add(10 * time.Second); q.Stats().Queued != 0; {
					if time.Now().After(deadline) {
						t.Fatal("Handoff did not take the queued event")
					}
					time.Sleep(time.Millisecond)
				}
				release <- struct{}{}
			}
			var got []Event
			select {
			case got = <-handed:
			case <-time.After(30 * time.Second):
				t.Fatal("Handoff waited out the backoff")
			}
			if len(got) != 2 || got[0].Service != "a" || got[1].Service != "b" {
				t.Errorf("handed off %+v, want the events of a and b", got)
			}
			if n := requests.Load(); n != made {
				t.Errorf("%d attempts made with the old configuration after the handoff began", n-made)
			}
			if s := q.Stats(); s != (QueueStats{HandedOff: 2}) {
				t.Errorf("stats %+v, want 2 handed off, none failed", s)
			}
		})
	}
}
