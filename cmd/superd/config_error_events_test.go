//go:build linux

package main

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/supers-dev/supers/notify"
)

// configErrorEvents returns the config-error events of superd's history,
// oldest first.
func (d *daemon) configErrorEvents() []notify.Event {
	d.t.Helper()
	out, errOut, code := d.cli("events", "--json", "--type", notify.TypeConfigError)
	if code != 0 {
		d.t.Fatalf("supers events: exit %d: %s", code, errOut)
	}
	var evs []notify.Event
	dec := json.NewDecoder(strings.NewReader(out))
	for dec.More() {
		var e notify.Event
		if err := dec.Decode(&e); err != nil {
			d.t.Fatalf("supers events --json: %v\n%s", err, out)
		}
		if e.Type != notify.TypeConfigError {
			d.t.Fatalf("supers events --type %s printed %+v", notify.TypeConfigError, e)
		}
		evs = append(evs, e)
	}
	return evs
}

// A file that does not load is published as a config-error event: at
// start, at a reload that finds it broken, again when its errors change
// or come back after it was fixed, but not at each reload that finds it as
// broken as before. The service keeps running on its last configuration;
// the webhook gets the event even with a Services= filter when it is about
// superd.conf or the config dir, which concern every service.
func TestConfigErrorEvents(t *testing.T) {
	t.Parallel()
	rec := &receiver{}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	hook := "[Webhook \"ops\"]\nURL=" + srv.URL + "\nSecret=s3cret-value\nEvents=config-error\nServices=web\n"
	const web = "[Service]\nExecStart=/bin/sleep 1000\n"
	d := newDaemon(t, map[string]string{
		"web.service": web,
		"bad.service": "[Service]\nExecStart=/bin/sleep 1000\nRestartSec=soon\n",
		"superd.conf": hook,
	}).start()
	first := d.waitRunning("web")

	evs := d.configErrorEvents()
	if len(evs) != 1 || evs[0].Service != "bad" || evs[0].File != filepath.Join(d.dir, "bad.service") ||
		!strings.Contains(evs[0].Reason, "bad.service:3") || !strings.Contains(evs[0].Reason, "RestartSec") {
		t.Fatalf("at start, want one config-error for bad.service, got %+v", evs)
	}

	d.writeFile("web.service", web+"Restart=sometimes\n")
	if _, _, code := d.cli("reload"); code != 1 {
		t.Fatalf("reload of a broken web.service: exit %d, want 1", code)
	}
	evs = d.configErrorEvents()
	if len(evs) != 2 || evs[1].Service != "web" || evs[1].File != filepath.Join(d.dir, "web.service") ||
		!strings.Contains(evs[1].Reason, "web.service:3") || !strings.Contains(evs[1].Reason, "sometimes") {
		t.Fatalf("after breaking web.service, want a second config-error for it, got %+v", evs)
	}
	waitFor(t, 10*time.Second, "the webhook's config-error for web", func() bool {
		e := rec.find(notify.TypeConfigError, 0)
		return e != nil && e.Service == "web" && e.Reason == evs[1].Reason
	})
	if st := d.status("web"); st.PID != first.PID {
		t.Fatalf("web was disturbed by its broken file: pid %d, was %d", st.PID, first.PID)
	}

	// The same errors again: nothing new.
	d.cli("reload")
	if evs := d.configErrorEvents(); len(evs) != 2 {
		t.Fatalf("a reload finding the same errors published again: %+v", evs)
	}

	// Other errors in the same file: published.
	d.writeFile("web.service", web+"Restart=sometimes\nNice=99\n")
	d.cli("reload")
	evs = d.configErrorEvents()
	if len(evs) != 3 || evs[2].Service != "web" || !strings.Contains(evs[2].Reason, "Nice") || !strings.Contains(evs[2].Reason, "; ") {
		t.Fatalf("after changing web.service's errors, want a third config-error with both, got %+v", evs)
	}

	// Fixed: nothing; broken the same way again: published again.
	d.writeFile("web.service", web)
	if _, errOut, code := d.cli("reload"); code != 1 || strings.Contains(errOut, "web.service") {
		t.Fatalf("reload of a fixed web.service (bad.service still broken): exit %d\n%s", code, errOut)
	}
	if evs := d.configErrorEvents(); len(evs) != 3 {
		t.Fatalf("a fixed file was published: %+v", evs)
	}
	d.writeFile("web.service", web+"Restart=sometimes\nNice=99\n")
	d.cli("reload")
	if evs := d.configErrorEvents(); len(evs) != 4 || evs[3].Service != "web" || evs[3].Reason != evs[2].Reason {
		t.Fatalf("errors back after a fix, want them published again, got %+v", evs)
	}

	// superd.conf: no service; the webhook filtered on web still gets it.
	d.writeFile("superd.conf", hook+"Retires=2\n")
	d.cli("reload")
	evs = d.configErrorEvents()
	if e := evs[len(evs)-1]; e.Service != "" || e.File != filepath.Join(d.dir, "superd.conf") || !strings.Contains(e.Reason, "Retires") {
		t.Fatalf("want a config-error for superd.conf, got %+v", evs)
	}
	waitFor(t, 10*time.Second, "the webhook's config-error for superd.conf", func() bool {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		for _, e := range rec.events {
			if e.Type == notify.TypeConfigError && e.Service == "" && strings.Contains(e.Reason, "Retires") {
				return true
			}
		}
		return false
	})

	// The config dir itself gone: one event naming the dir; nothing stops.
	moved := d.dir + ".moved"
	if err := os.Rename(d.dir, moved); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := d.cli("reload")
	if err := os.Rename(moved, d.dir); err != nil {
		t.Fatal(err)
	}
	if code == 0 {
		t.Fatalf("reload with the config dir gone succeeded: %s", errOut)
	}
	evs = d.configErrorEvents()
	if e := evs[len(evs)-1]; e.Service != "" || e.File != d.dir || !strings.Contains(e.Reason, d.dir) {
		t.Fatalf("want a config-error for the missing config dir, got %+v", evs)
	}
	if st := d.status("web"); st.PID != first.PID {
		t.Fatalf("web was disturbed: pid %d, was %d", st.PID, first.PID)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.bad) > 0 {
		t.Errorf("bad deliveries: %v", rec.bad)
	}
	for _, e := range rec.events {
		if e.Type != notify.TypeConfigError || e.Service == "bad" {
			t.Errorf("the webhook's filter let through %+v", e)
		}
	}
}
