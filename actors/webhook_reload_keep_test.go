//go:build linux

package actors

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/supers-dev/supers/notify"
)

// A reload keeps the queue of a webhook it does not change, with the
// events it holds: they used to be dropped after 5 s whenever anything in
// superd.conf changed (another webhook, or even [Daemon], which a reload
// does not apply), if the receiver was slow or down meanwhile.
func TestReplaceNotifiersKeepsUnchangedQueues(t *testing.T) {
	var (
		mu      sync.Mutex
		got     = map[string][]string{}
		release = make(chan struct{})
	)
	endpoint := func(name string) notify.Notifier {
		return notify.NotifierFunc(func(ctx context.Context, e notify.Event) error {
			if name == "a" {
				select { // a receiver that is down until released
				case <-release:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			mu.Lock()
			got[name] = append(got[name], e.Service)
			mu.Unlock()
			return nil
		})
	}
	log := slog.New(slog.DiscardHandler)
	a := notify.NewQueue(endpoint("a"), 0, log)
	system, hub := startHub(t, a) // a's key is q0
	system.Root.Send(hub, &eventPublished{event: notify.NewEvent(notify.TypeStart, "e1")})
	system.Root.Send(hub, &eventPublished{event: notify.NewEvent(notify.TypeStart, "e2")})
	b := notify.NewQueue(endpoint("b"), 0, log)
	system.Root.Send(hub, &replaceNotifiers{keep: map[string]bool{"q0": true, "b": true}, queues: []*notify.Queue{b}, keys: []string{"b"}})
	system.Root.Send(hub, &eventPublished{event: notify.NewEvent(notify.TypeStop, "e3")})

	waitUntil(t, "b got e3", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return slices.Equal(got["b"], []string{"e3"})
	})
	// a is still the same queue, holding what it had, and it got e3 too:
	// a replaced queue would be closed, and would never get e3. Released
	// now, it delivers everything, in order.
	if st := a.Stats(); st.Dropped != 0 {
		t.Fatalf("a dropped %d events", st.Dropped)
	}
	close(release)
	waitUntil(t, "a got e1, e2, e3", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return slices.Equal(got["a"], []string{"e1", "e2", "e3"})
	})
	if err := system.Root.StopFuture(hub).Wait(); err != nil {
		t.Fatal(err)
	}
}

// A reload of a superd.conf whose webhooks did not change (only [Daemon],
// which takes effect at the next start) replaces no webhook.
func TestReloadOfDaemonSettingsKeepsWebhooks(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	conf := filepath.Join(dir, "superd.conf")
	hook := "[Webhook \"ops\"]\nURL=" + srv.URL + "\n"
	if err := os.WriteFile(conf, []byte(hook), 0o644); err != nil {
		t.Fatal(err)
	}
	sup := lcRunOn(t, Config{ConfigDir: dir, LogDir: t.TempDir(), Logger: slog.New(slog.DiscardHandler)}).sup
	if err := os.WriteFile(conf, []byte("[Daemon]\nAllowEdit=yes\n"+hook), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := sup.Reload(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if res.WebhooksReloaded {
		t.Errorf("a reload that changed only [Daemon] replaced the webhooks: %+v", res)
	}
	// A changed webhook is replaced.
	if err := os.WriteFile(conf, []byte("[Daemon]\nAllowEdit=yes\n"+hook+"Timeout=3s\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if res, err = sup.Reload(t.Context()); err != nil || !res.WebhooksReloaded {
		t.Errorf("a reload that changed the webhook: %+v, %v; want it replaced", res, err)
	}
}
