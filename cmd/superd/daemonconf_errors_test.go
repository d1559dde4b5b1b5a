//go:build linux

package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A reload that could not apply superd.conf (the webhooks in force kept)
// left no trace but the reload's own answer and a config-error event:
// GET /v1/config/errors said [] and supers status warned of nothing,
// although a broken service file is listed and warned of. superd.conf's
// errors are now listed until a reload applies it.
func TestBrokenSuperdConfIsListedUntilFixed(t *testing.T) {
	t.Parallel()
	good := "[Webhook \"ops\"]\nURL=http://127.0.0.1:9/hook\n"
	d := newDaemon(t, map[string]string{"a.service": "[Service]\nExecStart=/bin/sleep 1000\n", "superd.conf": good})
	d.start()
	d.waitRunning("a")
	conf := filepath.Join(d.dir, "superd.conf")
	listed := func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		errs, err := d.client.ConfigErrors(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range errs {
			if e.File == conf && strings.Contains(e.Message, "Bogus") {
				return true
			}
		}
		if len(errs) > 0 {
			t.Fatalf("config errors %+v", errs)
		}
		return false
	}

	d.writeFile("superd.conf", good+"Bogus=1\n")
	if _, stderr, code := d.cli("reload"); code != 1 || !strings.Contains(stderr+d.stderr.String(), "Bogus") {
		t.Fatalf("reload of a broken superd.conf: exit %d, stderr %q", code, stderr)
	}
	if !listed() {
		t.Error("GET /v1/config/errors does not list superd.conf's error")
	}
	_, stderr, code := d.cli("status")
	if code != 0 || !strings.Contains(stderr, "superd.conf was not applied by the last reload") || !strings.Contains(stderr, "Bogus: unknown key") ||
		strings.Contains(stderr, "service file(s)") {
		t.Errorf("status: exit %d, stderr %q; want a warning about superd.conf alone", code, stderr)
	}

	d.writeFile("superd.conf", good)
	d.mustCLI("reload")
	if listed() {
		t.Error("superd.conf's error still listed once a reload applied it")
	}
	if _, stderr, _ := d.cli("status"); stderr != "" {
		t.Errorf("status once fixed: stderr %q", stderr)
	}
}
