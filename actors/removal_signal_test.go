//go:build linux

package actors_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
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
	r := removeWhileStopping(t, "stuck", `""`, "infinity")
	sup, ctx, pid := r.sup, r.ctx, r.pid
	if st, err := sup.Signal(ctx, "stuck", "KILL"); err != nil || st.PID != pid {
		t.Fatalf("signal KILL: %+v, %v", st, err)
	}
	eventually(t, "stuck gone", func() bool {
		_, err := sup.Status(ctx, "stuck")
		return errors.Is(err, transport.ErrUnknownService) && syscall.Kill(pid, 0) != nil
	})
}

// removing is a service that removeWhileStopping left stopping.
type removing struct {
	sup  *actors.Supervisor
	ctx  context.Context // bounds the test's calls
	pid  int             // its process
	dir  string          // the config dir
	file string          // its service file, removed
	body string          // what the file held
}

// removeWhileStopping runs a service name whose shell runs trap on
// SIGTERM (a shell command, quoted for the trap builtin), has a reload
// remove its file, and returns once the service is stopping; a start of
// it is refused meanwhile.
func removeWhileStopping(t *testing.T, name, trap, timeoutStop string) removing {
	t.Helper()
	dir := t.TempDir()
	r := removing{dir: dir, file: filepath.Join(dir, name+".service")}
	ready := filepath.Join(dir, "ready")
	r.body = "[Service]\nExecStart=/bin/sh -c 'trap " + trap + " TERM; echo started >> " + ready + "; while :; do sleep 0.1; done'\nTimeoutStopSec=" + timeoutStop + "\n"
	if err := os.WriteFile(r.file, []byte(r.body), 0o644); err != nil {
		t.Fatal(err)
	}
	r.sup, _, _ = embedded(t, actors.Config{ConfigDir: dir})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	r.ctx = ctx
	eventually(t, name+" running, its trap set", func() bool {
		st, err := r.sup.Status(ctx, name)
		r.pid = st.PID
		_, statErr := os.Stat(ready)
		return err == nil && st.State == transport.StateRunning && statErr == nil
	})
	if err := os.Remove(r.file); err != nil {
		t.Fatal(err)
	}
	if res, err := r.sup.Reload(ctx); err != nil || len(res.Removed) != 1 {
		t.Fatalf("reload: %+v, %v", res, err)
	}
	eventually(t, name+" stopping", func() bool {
		st, err := r.sup.Status(ctx, name)
		return err == nil && st.State == transport.StateStopping
	})
	// Refused, but saying what to do: with its file put back, a start
	// failed with only "being removed", and nothing started it after.
	if _, err := r.sup.Start(ctx, name); !errors.Is(err, transport.ErrConflict) || !strings.Contains(err.Error(), "start it again once it has stopped") {
		t.Errorf("start of a service being removed: %v, want a conflict saying what to do", err)
	}
	return r
}
