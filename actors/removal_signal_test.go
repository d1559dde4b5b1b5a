//go:build linux

package actors_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/supers-dev/supers/actors"
	"github.com/supers-dev/supers/transport"
)

// A service removed by a reload whose process does not end on KillSignal
// (TimeoutStopSec=infinity) can still be signalled: the signal was refused
// ("being removed"), leaving no way but kill(1) to end the stop.
func TestSignalReachesAServiceBeingRemoved(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "stuck.service")
	ready := filepath.Join(dir, "ready")
	body := "[Service]\nExecStart=/bin/sh -c 'trap \"\" TERM; touch " + ready + "; while :; do sleep 0.1; done'\nTimeoutStopSec=infinity\n"
	if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	sup, _, _ := embedded(t, actors.Config{ConfigDir: dir})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var pid int
	eventually(t, "stuck running, SIGTERM ignored", func() bool {
		st, err := sup.Status(ctx, "stuck")
		pid = st.PID
		_, statErr := os.Stat(ready)
		return err == nil && st.State == transport.StateRunning && statErr == nil
	})
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	if res, err := sup.Reload(ctx); err != nil || len(res.Removed) != 1 {
		t.Fatalf("reload: %+v, %v", res, err)
	}
	eventually(t, "stuck stopping", func() bool {
		st, err := sup.Status(ctx, "stuck")
		return err == nil && st.State == transport.StateStopping
	})
	if _, err := sup.Start(ctx, "stuck"); !errors.Is(err, transport.ErrConflict) {
		t.Errorf("start of a service being removed: %v, want a conflict", err)
	}
	if st, err := sup.Signal(ctx, "stuck", "KILL"); err != nil || st.PID != pid {
		t.Fatalf("signal KILL: %+v, %v", st, err)
	}
	eventually(t, "stuck gone", func() bool {
		_, err := sup.Status(ctx, "stuck")
		return errors.Is(err, transport.ErrUnknownService) && syscall.Kill(pid, 0) != nil
	})
}
