package actors

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/notify"
)

// TestWebhookUserAgentWithoutVersion: a program embedding the supervisor
// without Config.Version sent its webhooks "User-Agent: supers/", a
// product with an empty version (RFC 9110 allows none); it sends
// "supers", and "supers/<version>" when there is one.
func TestWebhookUserAgentWithoutVersion(t *testing.T) {
	for version, want := range map[string]string{"": "supers", "1.2.3": "supers/1.2.3"} {
		got := make(chan string, 1)
		srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			select {
			case got <- r.UserAgent():
			default:
			}
		}))
		d := &config.Daemon{Webhooks: []config.Webhook{{Name: "ua", URL: srv.URL, Timeout: config.DefaultWebhookTimeout}}}
		queues, _, err := webhookQueues(d, nil, version, slog.New(slog.DiscardHandler))
		if err != nil {
			srv.Close()
			t.Fatal(err)
		}
		queues[0].Enqueue(notify.NewEvent(notify.TypeStart, "web"))
		closeQueues(queues, eventFlush)
		srv.Close()
		select {
		case ua := <-got:
			if ua != want {
				t.Errorf("version %q: User-Agent %q, want %q", version, ua, want)
			}
		default:
			t.Errorf("version %q: the event was not delivered", version)
		}
	}
}
