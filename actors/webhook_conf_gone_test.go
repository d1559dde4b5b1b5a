//go:build linux

package actors

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReloadOfGoneDaemonFileNamesRemovedWebhooks: a reload that finds
// superd.conf gone removes its webhooks, and says so with a warning
// naming them: the answer used to say only that the webhooks were
// reloaded, so that an operator who moved the file away was not told
// that the alerting was off.
func TestReloadOfGoneDaemonFileNamesRemovedWebhooks(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	conf := filepath.Join(dir, "superd.conf")
	hooks := "[Webhook \"ops\"]\nURL=" + srv.URL + "\n[Webhook \"pager\"]\nURL=" + srv.URL + "/p\n"
	if err := os.WriteFile(conf, []byte(hooks), 0o644); err != nil {
		t.Fatal(err)
	}
	sup := lcRunOn(t, Config{ConfigDir: dir, LogDir: t.TempDir(), Logger: slog.New(slog.DiscardHandler)}).sup

	// A webhook removed from a superd.conf that is still there: no warning.
	if err := os.WriteFile(conf, []byte("[Webhook \"ops\"]\nURL="+srv.URL+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := sup.Reload(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !res.WebhooksReloaded || len(res.Warnings) != 0 {
		t.Errorf("a reload that removed the webhook pager from superd.conf: %+v; want the webhooks reloaded, no warning", res)
	}

	if err := os.Remove(conf); err != nil {
		t.Fatal(err)
	}
	if res, err = sup.Reload(t.Context()); err != nil {
		t.Fatal(err)
	}
	if !res.WebhooksReloaded {
		t.Errorf("a reload with superd.conf gone: %+v; want the webhooks reloaded", res)
	}
	found := false
	for _, w := range res.Warnings {
		if strings.Contains(w, "superd.conf is gone") && strings.Contains(w, "removed: ops;") {
			found = true
		}
	}
	if !found {
		t.Errorf("a reload with superd.conf gone warns %q; want a warning that it is gone, naming the webhook ops it removed", res.Warnings)
	}
}
