//go:build linux

package main

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// With --watch, superd.conf emptied and written again (an editor that
// truncates, then writes; a tool that deletes, then writes) removed its
// webhooks at the first reload and added them back at the next: the
// events in between were never sent. As for a service file, a webhook
// missing from superd.conf is removed only once it is still missing a
// second later; gone for good, it is removed then.
func TestReloadWatchConfirmsDroppedWebhooks(t *testing.T) {
	t.Parallel()
	rec := &receiver{}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	conf := "[Webhook \"ops\"]\nURL=" + srv.URL + "\nSecret=s3cret-value\n"
	d := newDaemon(t, map[string]string{"a.service": "[Service]\nExecStart=/bin/sleep 1000\n", "superd.conf": conf})
	d.extraArgs = []string{"--watch"}
	d.start()
	first := d.waitRunning("a").PID

	reloads := func() int { return strings.Count(d.stderr.String(), "configuration reloaded") }
	logged := func(s string) func() bool { return func() bool { return strings.Contains(d.stderr.String(), s) } }
	before := reloads()
	d.writeFile("superd.conf", "")
	waitFor(t, 10*time.Second, "the watch's reload after superd.conf is emptied", func() bool { return reloads() > before })
	seen := time.Now()        // at most a poll's 50 ms after the reload that found it empty
	d.mustCLI("restart", "a") // its events come while superd.conf has no webhook
	d.writeFile("superd.conf", conf)
	if late := time.Since(seen); late >= 900*time.Millisecond {
		t.Skipf("superd.conf written again %v after the reload that found it empty, not within the second that keeps its webhooks", late)
	}
	waitFor(t, 10*time.Second, "the restart's stop event delivered", func() bool { return rec.find("stop", first) != nil })
	waitFor(t, 10*time.Second, "the watch's reload after superd.conf is back", logged("superd.conf back"))
	if log := d.stderr.String(); strings.Contains(log, `"superd.conf reloaded" webhooks=0`) || !strings.Contains(log, "superd.conf has lost webhooks") {
		t.Errorf("superd's log says the webhooks were removed, or not that they went missing:\n%s", log)
	}

	// Gone for good: removed once the second has passed, and named.
	if err := os.Remove(filepath.Join(d.dir, "superd.conf")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 15*time.Second, "the webhook removed", func() bool {
		return strings.Contains(d.stderr.String(), `msg="superd.conf gone: its webhooks were removed" removed=[ops]`)
	})
}

// With --watch, a webhook whose settings change (same name) is replaced
// at once: it was taken for one superd.conf had lost, logged so
// ("superd.conf has lost webhooks in force"), and the whole change waited
// the second that confirms a removal.
func TestReloadWatchReplacesChangedWebhookAtOnce(t *testing.T) {
	t.Parallel()
	rec := &receiver{}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	conf := "[Webhook \"ops\"]\nURL=" + srv.URL + "\nTimeout=5s\n"
	d := newDaemon(t, map[string]string{"a.service": "[Service]\nExecStart=/bin/sleep 1000\n", "superd.conf": conf})
	d.extraArgs = []string{"--watch"}
	d.start()
	d.waitRunning("a")
	d.writeFile("superd.conf", strings.Replace(conf, "5s", "6s", 1))
	d.waitLogged(`"superd.conf reloaded" webhooks=1 replaced_or_added=1`)
	if log := d.stderr.String(); strings.Contains(log, "lost webhooks") {
		t.Errorf("a changed webhook was taken for a lost one:\n%s", log)
	}
}
