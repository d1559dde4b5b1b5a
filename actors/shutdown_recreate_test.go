//go:build linux

package actors_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supers-dev/supers/actors"
	"github.com/supers-dev/supers/transport"
)

// holdAtShutdown is a slog.Handler that holds the goroutine logging
// "shutting down" (Run, as its shutdown begins) until release is closed,
// and closes reached when it gets there.
type holdAtShutdown struct {
	reached chan struct{}
	release chan struct{}
	once    *sync.Once
}

func (h holdAtShutdown) Enabled(context.Context, slog.Level) bool { return true }

func (h holdAtShutdown) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "shutting down" {
		h.once.Do(func() { close(h.reached) })
		<-h.release
	}
	return nil
}

func (h holdAtShutdown) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h holdAtShutdown) WithGroup(string) slog.Handler      { return h }

// A service that a reload changed is re-created once its old process is
// gone: if that happens once Run has decided to shut down, the new
// definition must not be started (only to be killed a moment later: a
// one-shot job or a migration would run partially). The services
// supervisor only refused creations once stopAll reached it, which Run
// sends after it said "shutting down" and closed its listeners: a
// re-creation whose old process ended in between started the new one.
// Here Run is held right after it said "shutting down", and the old
// process, which waits for a file before it ends on SIGTERM, is let go
// then.
func TestShutdownRecreateStartsNothing(t *testing.T) {
	dir, work := t.TempDir(), t.TempDir()
	starts, goFile := filepath.Join(work, "starts"), filepath.Join(work, "go")
	script := filepath.Join(work, "run.sh")
	body := fmt.Sprintf(`echo "$1" >> %q
trap 'while [ ! -e %q ]; do sleep 0.01; done; exit 0' TERM
while :; do sleep 1; done
`, starts, goFile)
	if err := os.WriteFile(script, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	define := func(version string) {
		t.Helper()
		def := fmt.Sprintf("[Service]\nExecStart=/bin/sh %s %s\nTimeoutStopSec=20\n", script, version)
		if err := os.WriteFile(filepath.Join(dir, "job.service"), []byte(def), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	started := func() []string {
		b, _ := os.ReadFile(starts)
		return strings.Fields(string(b))
	}
	// Whatever happens, the old process ends, and Run goes on.
	t.Cleanup(func() { _ = os.WriteFile(goFile, nil, 0o644) })
	hold := holdAtShutdown{reached: make(chan struct{}), release: make(chan struct{}), once: new(sync.Once)}
	var releaseOnce sync.Once
	release := func() { releaseOnce.Do(func() { close(hold.release) }) }
	t.Cleanup(release)

	define("v1")
	sup, cancel, ran := embedded(t, actors.Config{ConfigDir: dir, Logger: slog.New(hold)})
	ctx, stop := context.WithTimeout(context.Background(), 30*time.Second)
	defer stop()
	eventually(t, "v1 running", func() bool {
		st, err := sup.Status(ctx, "job")
		return err == nil && st.State == actors.StateRunning && len(started()) == 1
	})
	define("v2")
	res, err := sup.Reload(ctx)
	if err != nil || len(res.Changed) != 1 {
		t.Fatalf("reload: %+v, %v; want job changed", res, err)
	}

	cancel()
	select {
	case <-hold.reached:
	case <-ctx.Done():
		t.Fatal("Run did not begin its shutdown")
	}
	// Answered by the services supervisor after whatever Run sent it
	// before it said "shutting down".
	if _, err := sup.List(ctx); err != nil {
		t.Fatalf("list once the shutdown began: %v", err)
	}
	// The old process ends: its service actor goes, and the services
	// supervisor decides about the replacement.
	if err := os.WriteFile(goFile, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the replacement decided", func() bool {
		if len(started()) > 1 {
			return true // started: the test fails below
		}
		_, err := sup.Status(ctx, "job")
		return errors.Is(err, transport.ErrUnknownService)
	})
	release()
	waitRun(t, ran)
	if got := started(); len(got) != 1 {
		t.Errorf("processes started: %q; want only v1's, none once the shutdown began", got)
	}
}
