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
	sup := embeddedOn(t, dir, files)
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

// A service removed (by a reload) while it has no process, waiting in
// backoff, fatal or failed to execute, publishes its stop, as a stop by
// supers does: its actor was stopped with the stop still in its mailbox,
// and the last event of a service gone for good was a restart that never
// came.
func TestEventsOfServicesRemovedWithoutProcess(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"ghost.service": "[Service]\nExecStart=/nonexistent/prog\nRestart=no\nAutoStart=no\n",
		"flap.service":  "[Service]\nExecStart=/bin/sh -c 'exit 3'\nRestart=always\nRestartSec=1h\nAutoStart=no\n",
		"gone.service":  "[Service]\nExecStart=/nonexistent/gone\nRestart=on-failure\nStartLimitBurst=1\nAutoStart=no\n",
		"idle.service":  "[Service]\nExecStart=/bin/sleep 1000\nAutoStart=no\n",
	}
	sup := embeddedOn(t, dir, files)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for name, want := range map[string]string{"ghost": transport.StateExecFailed, "flap": transport.StateBackoff, "gone": transport.StateFatal} {
		_, _ = sup.Start(ctx, name)
		eventually(t, name+" "+want, func() bool {
			st, err := sup.Status(ctx, name)
			return err == nil && st.State == want
		})
	}
	stream, err := sup.Events(ctx, "", true)
	if err != nil {
		t.Fatal(err)
	}
	for name := range files {
		if err := os.Remove(filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	if res, err := sup.Reload(ctx); err != nil || len(res.Removed) != len(files) {
		t.Fatalf("reload: %+v, %v", res, err)
	}
	stops := map[string]string{}
	for len(stops) < 3 {
		select {
		case e, ok := <-stream.Live:
			if !ok {
				t.Fatalf("the stream ended; stops %v", stops)
			}
			if e.Type == notify.TypeStop {
				if e.PID != 0 {
					t.Errorf("stop of %s: %+v, want no pid", e.Service, e)
				}
				stops[e.Service] = e.Reason
			}
		case <-ctx.Done():
			t.Fatalf("stops published: %v; want one for ghost, flap and gone", stops)
		}
	}
	want := map[string]string{"ghost": "was exec-failed", "flap": "was backoff", "gone": "was fatal"}
	for name, reason := range want {
		if stops[name] != reason {
			t.Errorf("stop of %s: reason %q, want %q", name, stops[name], reason)
		}
	}
	if _, ok := stops["idle"]; ok {
		t.Errorf("idle, never started, published a stop: %v", stops)
	}
	eventually(t, "the removed services gone", func() bool {
		l, err := sup.List(ctx)
		return err == nil && len(l) == 0
	})
}

// embeddedOn writes files (name to content) into dir and runs a supervisor
// on it.
func embeddedOn(t *testing.T, dir string, files map[string]string) *actors.Supervisor {
	t.Helper()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sup, _, _ := embedded(t, actors.Config{ConfigDir: dir})
	return sup
}
