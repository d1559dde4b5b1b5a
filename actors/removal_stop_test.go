//go:build linux

package actors_test

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/supers-dev/supers/notify"
	"github.com/supers-dev/supers/transport"
)

// A stop of a service that a reload is removing is answered once the
// removal's stop has ended, as a stop of a service that is stopping is: it
// was refused ("being removed"), and "rm X.service; supers reload; supers
// stop X" failed while it did what the operator asked. A start is still
// refused. If a reload defines the service anew before the removal ends,
// the stop decides for the new definition, as for a replacement: it is
// created stopped.
func TestStopOfAServiceBeingRemoved(t *testing.T) {
	for _, redefine := range []bool{false, true} {
		name := "removed"
		if redefine {
			name = "removed then defined anew"
		}
		t.Run(name, func(t *testing.T) { testStopOfAServiceBeingRemoved(t, redefine) })
	}
}

func testStopOfAServiceBeingRemoved(t *testing.T, redefine bool) {
	release := filepath.Join(t.TempDir(), "release")
	// On SIGTERM it waits for the test to create release, then exits.
	r := removeWhileStopping(t, "slow", `"while [ ! -e `+release+` ]; do sleep 0.05; done; exit 0"`, "60s")
	sup, ctx, pid, file, body := r.sup, r.ctx, r.pid, r.file, r.body
	type answer struct {
		st  transport.ServiceStatus
		err error
	}
	stopped := make(chan answer, 1)
	go func() {
		st, err := sup.Stop(ctx, "slow")
		stopped <- answer{st, err}
	}()
	// Still stopping: the stop waits for the process.
	eventually(t, "the stop under way", func() bool {
		st, err := sup.Status(ctx, "slow")
		return err == nil && st.State == transport.StateStopping && syscall.Kill(pid, 0) == nil
	})
	select {
	case a := <-stopped:
		t.Fatalf("the stop answered %+v, %v before the process ended", a.st, a.err)
	default:
	}
	if redefine {
		if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if res, err := sup.Reload(ctx); err != nil || len(res.Added)+len(res.Changed) != 1 {
			t.Fatalf("reload defining it anew: %+v, %v", res, err)
		}
	}
	if err := os.WriteFile(release, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	select {
	case a := <-stopped:
		if a.err != nil || a.st.State != transport.StateStopped || a.st.PID != 0 || a.st.Name != "slow" {
			t.Fatalf("stop answered %+v, %v; want stopped", a.st, a.err)
		}
		if syscall.Kill(pid, 0) == nil {
			t.Errorf("stop answered while process %d still runs", pid)
		}
	case <-ctx.Done():
		t.Fatal("the stop was not answered")
	}
	if !redefine {
		if _, err := sup.Status(ctx, "slow"); !errors.Is(err, transport.ErrUnknownService) {
			t.Errorf("status after the removal: %v, want unknown", err)
		}
		return
	}
	if st, err := sup.Status(ctx, "slow"); err != nil || st.State != transport.StateStopped || st.PID != 0 {
		t.Errorf("the new definition: %+v, %v; want stopped, as the operator's stop said", st, err)
	}
	// Created stopped, not started only to be stopped.
	evs, err := sup.Events(ctx, "slow", false)
	if err != nil {
		t.Fatal(err)
	}
	starts := 0
	for _, ev := range evs.History {
		if ev.Type == notify.TypeStart {
			starts++
		}
	}
	if starts != 1 {
		t.Errorf("%d start events, want the first process's only", starts)
	}
}
