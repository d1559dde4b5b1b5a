package notify

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// TestWebhookClosedConnectionSaysSo: a receiver that closes the
// connection without answering (a proxy that drops the request, a crash)
// was reported as a bare "Post: EOF"; the error says what happened.
func TestWebhookClosedConnectionSaysSo(t *testing.T) {
	rc := newReceiver(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		_ = conn.Close()
	})
	cfg := fastConfig(rc.URL)
	cfg.Retries = -1
	err := newTestWebhook(t, cfg).Notify(context.Background(), NewEvent(TypeExit, "web"))
	if err == nil || !strings.Contains(err.Error(), "closed the connection without answering") {
		t.Errorf("err = %v, want it to say the receiver closed the connection without answering", err)
	}
}
