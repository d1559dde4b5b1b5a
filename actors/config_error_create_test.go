//go:build linux

package actors

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/supers-dev/supers/notify"
	"github.com/supers-dev/supers/transport"
)

// configErrorsOf returns the config-error events of sup's history about
// service.
func configErrorsOf(t *testing.T, sup *Supervisor, service string) []notify.Event {
	t.Helper()
	stream, err := sup.Events(t.Context(), service, false)
	if err != nil {
		t.Fatal(err)
	}
	var out []notify.Event
	for _, e := range stream.History {
		if e.Type == notify.TypeConfigError {
			out = append(out, e)
		}
	}
	return out
}

// A service whose file loads but that cannot be created (its log
// directory refused) is published as a config-error of its file: at
// start, once, and not again by a reload that fails the same way.
func TestConfigErrorOfServiceNotCreated(t *testing.T) {
	dir, logDir := t.TempDir(), t.TempDir()
	unsafe := uncreatableB(t, dir, logDir)
	sup := lcRunOn(t, Config{ConfigDir: dir, LogDir: logDir}).sup
	var evs []notify.Event
	waitUntil(t, "a config-error for b", func() bool {
		evs = configErrorsOf(t, sup, "b")
		return len(evs) > 0
	})
	if e := evs[0]; len(evs) != 1 || e.File != filepath.Join(dir, "b.service") ||
		!strings.Contains(e.Reason, "service b not created") || !strings.Contains(e.Reason, unsafe) {
		t.Fatalf("want one config-error of b.service naming %s, got %+v", unsafe, evs)
	}
	res, err := sup.Reload(t.Context())
	if err != nil || len(res.Errors) != 1 {
		t.Fatalf("reload: %+v, %v; want b's error again", res, err)
	}
	if evs := configErrorsOf(t, sup, "b"); len(evs) != 1 {
		t.Fatalf("the same failure was published again: %+v", evs)
	}
}

// A file whose errors were published, then replaced through the API by a
// definition that loads, is news again when it breaks the same way.
func TestConfigErrorAfterDefinitionWritten(t *testing.T) {
	dir := t.TempDir()
	sup := lcRunOn(t, Config{ConfigDir: dir}).sup
	ctx := t.Context()
	broken := []byte("[Service]\nExecStart=/bin/sleep 1000\nRestart=sometimes\n")
	if err := os.WriteFile(filepath.Join(dir, "w.service"), broken, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := sup.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if evs := configErrorsOf(t, sup, "w"); len(evs) != 1 {
		t.Fatalf("after the first reload: %+v, want one config-error", evs)
	}
	if _, err := sup.PutDefinition(ctx, "w", []byte("[Service]\nExecStart=/bin/sleep 1000\n"), transport.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "w.service"), broken, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := sup.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if evs := configErrorsOf(t, sup, "w"); len(evs) != 2 {
		t.Fatalf("broken again after a good definition: %+v, want a second config-error", evs)
	}
}

// A file whose name is no valid service name ("bad name.service") gives a
// config-error without a service: it named none a client could ask about
// (supers events --service refuses it), and EVENTS.md defines the field as
// a service name. Its file names it.
func TestConfigErrorOfABadFileNameNamesNoService(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bad name.service"), []byte("[Service]\nExecStart=/bin/true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sup := lcRunOn(t, Config{ConfigDir: dir, LogDir: t.TempDir()}).sup
	var evs []notify.Event
	waitUntil(t, "a config-error for bad name.service", func() bool {
		evs = configErrorsOf(t, sup, "")
		return len(evs) > 0
	})
	if e := evs[0]; e.Service != "" || e.File != filepath.Join(dir, "bad name.service") || !strings.Contains(e.Reason, "invalid service name") {
		t.Errorf("config-error %+v, want no service, the file named, the name's error", e)
	}
}
