//go:build linux

package actors

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/supers-dev/supers/notify"
	"github.com/supers-dev/supers/transport"
)

// A stop that superd's shutdown's bound (ShutdownTimeout) cut with SIGKILL
// says so in its stop event's reason, which begins "stop timed out" as
// that of TimeoutStopSec='s SIGKILL does (EVENTS.md gives both): it began
// "superd's shutdown timed out", which a receiver matching the documented
// wording missed.
func TestShutdownKillIsTheStopReason(t *testing.T) {
	m := newMarks(t)
	dir := filepath.Join(t.TempDir(), "etc")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	service := fmt.Sprintf(`[Service]
ExecStart=/bin/sh -c 'sh -c "trap \"\" TERM; : > %s; while :; do sleep 0.05; done" & exec sleep 1000'
TimeoutStopSec=infinity
`, m.path("up"))
	if err := os.WriteFile(filepath.Join(dir, "x.service"), []byte(service), 0o644); err != nil {
		t.Fatal(err)
	}
	l := lcRunOn(t, Config{ConfigDir: dir, LogDir: filepath.Join(t.TempDir(), "logs"), ShutdownTimeout: time.Second})
	stressWait(t, "x's group member to ignore SIGTERM", m.exists("up"))
	l.waitState("x", transport.StateRunning)
	stream, err := l.sup.Events(stressCtx(t), "x", true)
	if err != nil {
		t.Fatal(err)
	}
	go l.shutdown(time.Minute)
	var stop notify.Event
	deadline := time.After(time.Minute)
	for stop.Type == "" {
		select {
		case e, ok := <-stream.Live:
			if !ok {
				t.Fatal("the event stream ended without x's stop event")
			}
			if e.Type == notify.TypeStop {
				stop = e
			}
		case <-deadline:
			t.Fatal("no stop event for x within a minute of the shutdown")
		}
	}
	const want = "stop timed out at superd's shutdown; SIGKILL sent to the rest of the process group"
	if stop.Reason != want {
		t.Errorf("x's stop event's reason %q; want %q", stop.Reason, want)
	}
	for range stream.Live { // until the shutdown ends it
	}
}
