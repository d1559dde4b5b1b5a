//go:build linux

package actors_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/supers-dev/supers/actors"
	"github.com/supers-dev/supers/notify"
)

// TestNoWatchReloadDuringShutdown: once the shutdown has begun, a file
// event reloads nothing. A service file removed while the services were
// stopping was reloaded, logged and published as "reload removed=a",
// although the services supervisor ignored the removal.
func TestNoWatchReloadDuringShutdown(t *testing.T) {
	dir := t.TempDir()
	ready := filepath.Join(t.TempDir(), "ready")
	files := map[string]string{
		"a.service": "[Service]\nExecStart=/bin/sleep 600\n",
		// Holds the shutdown open for TimeoutStopSec, then is killed.
		"slow.service": "[Service]\nExecStart=/bin/sh -c 'trap \"\" TERM; : > " + ready + "; while :; do sleep 0.1; done'\nTimeoutStopSec=3s\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sup, cancel, ran := embedded(t, actors.Config{ConfigDir: dir, Watch: true})
	ctx, stop := context.WithTimeout(context.Background(), time.Minute)
	defer stop()
	stream, err := sup.Events(ctx, "", true)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "slow to ignore SIGTERM", func() bool {
		_, err := os.Stat(ready)
		return err == nil
	})
	cancel()
	eventually(t, "slow stopping", func() bool {
		st, err := sup.Status(ctx, "slow")
		return err == nil && st.State == actors.StateStopping
	})
	if err := os.Remove(filepath.Join(dir, "a.service")); err != nil {
		t.Fatal(err)
	}
	for e := range stream.Live { // until the shutdown closes it, 3 s on
		if e.Type == notify.TypeReload {
			t.Errorf("a reload during the shutdown: %+v", e)
		}
	}
	if ctx.Err() != nil {
		t.Fatal("the stream was not closed")
	}
	waitRun(t, ran)
}
