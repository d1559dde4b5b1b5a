//go:build linux

package actors_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/supers-dev/supers/actors"
	"github.com/supers-dev/supers/notify"
	"github.com/supers-dev/supers/transport"
)

// Every state change of a service is an event, those of a service with no
// process included: a start whose program cannot be executed published
// nothing (with Restart=no nothing at all reached the webhooks), and a stop
// of a service waiting in backoff, or failed, published nothing, leaving a
// restart that never comes as its last event.
func TestEventsOfServicesWithoutProcess(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"ghost.service": "[Service]\nExecStart=/nonexistent/prog\nRestart=no\nAutoStart=no\n",
		"flap.service":  "[Service]\nExecStart=/bin/sh -c 'exit 3'\nRestart=always\nRestartSec=1h\nAutoStart=no\n",
		"gone.service":  "[Service]\nExecStart=/nonexistent/gone\nRestart=on-failure\nRestartSec=0\nStartLimitBurst=2\nAutoStart=no\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sup, _, _ := embedded(t, actors.Config{ConfigDir: dir})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	stream, err := sup.Events(ctx, "", true)
	if err != nil {
		t.Fatal(err)
	}
	next := func(what string, match func(notify.Event) bool) notify.Event {
		t.Helper()
		for {
			select {
			case e, ok := <-stream.Live:
				if !ok {
					t.Fatalf("the stream ended before %s", what)
				}
				if match(e) {
					return e
				}
			case <-ctx.Done():
				t.Fatalf("no %s", what)
			}
		}
	}

	if st, err := sup.Start(ctx, "ghost"); !errors.Is(err, actors.ErrStartFailed) || st.State != transport.StateExecFailed {
		t.Fatalf("start ghost: %+v, %v", st, err)
	}
	e := next("exec-failed event of ghost", func(e notify.Event) bool { return e.Service == "ghost" })
	if e.Type != notify.TypeExecFailed || !strings.Contains(e.Reason, "/nonexistent/prog") || e.PID != 0 {
		t.Errorf("ghost's event: %+v, want exec-failed with the exec error", e)
	}
	if _, err := sup.Stop(ctx, "ghost"); err != nil {
		t.Fatal(err)
	}
	e = next("stop event of ghost", func(e notify.Event) bool { return e.Service == "ghost" })
	if e.Type != notify.TypeStop || e.PID != 0 || e.Reason != "was exec-failed" {
		t.Errorf("ghost's stop: %+v", e)
	}

	if _, err := sup.Start(ctx, "flap"); err != nil {
		t.Fatal(err)
	}
	next("restart of flap", func(e notify.Event) bool { return e.Service == "flap" && e.Type == notify.TypeRestart })
	eventually(t, "flap in backoff", func() bool {
		st, err := sup.Status(ctx, "flap")
		return err == nil && st.State == transport.StateBackoff
	})
	if st, err := sup.Stop(ctx, "flap"); err != nil || st.State != transport.StateStopped {
		t.Fatalf("stop flap: %+v, %v", st, err)
	}
	e = next("stop event of flap", func(e notify.Event) bool { return e.Service == "flap" })
	if e.Type != notify.TypeStop || e.PID != 0 || e.Reason != "was backoff" {
		t.Errorf("flap's stop: %+v", e)
	}

	// Giving up says why the last attempt failed, as the status does: the
	// fatal's reason was only "start limit 2 in 10m0s hit".
	_, _ = sup.Start(ctx, "gone")
	e = next("fatal of gone", func(e notify.Event) bool { return e.Service == "gone" && e.Type == notify.TypeFatal })
	if !strings.Contains(e.Reason, "start limit 2") || !strings.Contains(e.Reason, "/nonexistent/gone") {
		t.Errorf("gone's fatal reason %q lacks the limit or the cause", e.Reason)
	}
}
