package actors

import (
	"bufio"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/notify"
)

// TestCloseQueuesNamesSlowWebhook checks that when a webhook does not
// flush in time (at shutdown or after a reload), superd's log says which
// one: with several webhooks, an unnamed warning tells the operator
// nothing.
func TestCloseQueuesNamesSlowWebhook(t *testing.T) {
	entered := make(chan struct{}, 1)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		select {
		case entered <- struct{}{}:
		default:
		}
		select { // hang until the client gives up or the test ends
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })

	var buf lockedBuffer
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	d := &config.Daemon{Webhooks: []config.Webhook{{Name: "slowhook", URL: srv.URL, Timeout: time.Minute}}}
	queues, _, err := webhookQueues(d, nil, "test", logger)
	if err != nil {
		t.Fatal(err)
	}
	queues[0].Enqueue(notify.NewEvent(notify.TypeStart, "web"))
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the webhook got no request")
	}
	closeQueues(queues, 50*time.Millisecond)

	found := false
	sc := bufio.NewScanner(strings.NewReader(buf.String()))
	for sc.Scan() {
		if line := sc.Text(); strings.Contains(line, "in time") {
			found = true
			if !strings.Contains(line, "webhook=slowhook") {
				t.Errorf("flush timeout logged without the webhook's name: %s", line)
			}
		}
	}
	if !found {
		t.Errorf("no flush timeout logged:\n%s", buf.String())
	}
}
