package notify

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestWebhookTimeoutSaysSo: an attempt that gets no answer within Timeout
// is reported as such, naming the limit, rather than as a bare "context
// deadline exceeded" that leaves the operator guessing which deadline.
func TestWebhookTimeoutSaysSo(t *testing.T) {
	rc := newReceiver(t, func(_ int, _ http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // hang until the client gives up
	})
	var logs syncBuffer
	cfg := fastConfig(rc.URL)
	cfg.Timeout = 150 * time.Millisecond
	cfg.Retries = 1 // the retry is logged; the final failure is the error
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	w := newTestWebhook(t, cfg)
	err := w.Notify(context.Background(), NewEvent(TypeExit, "web"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want a deadline error", err)
	}
	for what, s := range map[string]string{"error": err.Error(), "log": logs.String()} {
		if !strings.Contains(s, "no response within 150ms") {
			t.Errorf("%s does not name the timeout: %s", what, s)
		}
	}
}
