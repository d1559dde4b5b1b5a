package notify

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
)

// closingReceiver is an HTTP/1.1 receiver whose first connection answers
// its first request, keeps the connection open (keep-alive), and closes
// it when the next request comes, without answering: what a receiver
// does whose idle timeout (Node's 5 s, nginx's 75 s, a load balancer's)
// ends the connection just as the next event is sent on it. Every later
// connection answers every request.
type closingReceiver struct {
	ln      net.Listener
	mu      sync.Mutex
	headers []http.Header // of the requests answered
	wg      sync.WaitGroup
}

func newClosingReceiver(t *testing.T) *closingReceiver {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &closingReceiver{ln: ln}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		for first := true; ; first = false {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			r.wg.Add(1)
			go r.serve(c, first)
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		r.wg.Wait()
	})
	return r
}

func (r *closingReceiver) serve(c net.Conn, first bool) {
	defer r.wg.Done()
	defer c.Close()
	br := bufio.NewReader(c)
	for n := 1; ; n++ {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		_, _ = io.Copy(io.Discard, req.Body)
		if first && n == 2 {
			return // closed without an answer
		}
		r.mu.Lock()
		r.headers = append(r.headers, req.Header)
		r.mu.Unlock()
		if _, err := io.WriteString(c, "HTTP/1.1 204 No Content\r\n\r\n"); err != nil {
			return
		}
	}
}

// TestWebhookReusedConnectionClosedIsSentAgain: an event sent on a
// keep-alive connection that the receiver closes at that moment is sent
// again at once on a new connection, as the transport does for an
// idempotent request (the webhook-id is the event's idempotency key),
// instead of failing: with Retries=0 (no retry) the event was lost
// ("the receiver closed the connection without answering: Post: EOF")
// although the receiver was up, and with retries it cost a warning and a
// backoff. The idempotency mark is not sent on the wire.
func TestWebhookReusedConnectionClosedIsSentAgain(t *testing.T) {
	rc := newClosingReceiver(t)
	w := newTestWebhook(t, WebhookConfig{Name: "ka", URL: "http://" + rc.ln.Addr().String() + "/hook", Retries: -1})
	for i := range 3 {
		if err := w.Notify(context.Background(), NewEvent(TypeStart, "web")); err != nil {
			t.Fatalf("event %d: %v", i+1, err)
		}
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.headers) != 3 {
		t.Errorf("%d events answered, want 3", len(rc.headers))
	}
	for _, h := range rc.headers {
		for _, k := range []string{"Idempotency-Key", "X-Idempotency-Key"} {
			if _, ok := h[k]; ok {
				t.Errorf("request carries %s: %q", k, h[k])
			}
		}
	}
}
