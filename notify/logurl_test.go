package notify

import (
	"context"
	"log/slog"
	"strings"
	"testing"
)

// TestWebhookLogsNoURLPath checks that neither the logs nor the error of a
// failed delivery show the path of the URL: Slack, Discord and many other
// receivers carry their token in it (/services/T000/B000/TOKEN).
func TestWebhookLogsNoURLPath(t *testing.T) {
	rc := newReceiver(t, status(500))
	var logs syncBuffer
	cfg := fastConfig(rc.URL + "/services/T000/B000/pathT0KEN")
	cfg.Retries = 1
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	w := newTestWebhook(t, cfg)
	err := w.Notify(context.Background(), NewEvent(TypeExit, "web"))
	if err == nil {
		t.Fatal("want an error")
	}
	all := err.Error() + "\n" + logs.String()
	if strings.Contains(all, "pathT0KEN") {
		t.Errorf("the URL path leaked:\n%s", all)
	}
	// The host is still there, to tell the webhooks apart.
	if host := strings.TrimPrefix(rc.URL, "http://"); !strings.Contains(logs.String(), host) {
		t.Errorf("logs do not name the host %s:\n%s", host, logs.String())
	}
	if n := len(rc.requests()); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}
