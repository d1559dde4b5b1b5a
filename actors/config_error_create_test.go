//go:build linux

package actors

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/supers-dev/supers/notify"
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
