//go:build linux

package actors_test

import (
	"context"
	"errors"
	"testing"

	"github.com/supers-dev/supers/actors"
	"github.com/supers-dev/supers/config"
)

// A call made with a context already canceled returns its error and does
// nothing: a select between a ready supervisor and a done context picked
// either at random, and the canceled stop went through.
func TestEmbedCanceledContextChangesNothing(t *testing.T) {
	sup, _, _ := embedded(t, actors.Config{Services: []*config.Service{config.New("web", "sleep", "60")}})
	before, err := sup.Status(context.Background(), "web")
	if err != nil || before.PID == 0 {
		t.Fatalf("web: %+v, %v", before, err)
	}
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	calls := map[string]func() error{
		"Stop":    func() error { _, err := sup.Stop(canceled, "web"); return err },
		"Restart": func() error { _, err := sup.Restart(canceled, "web"); return err },
		"Signal":  func() error { _, err := sup.Signal(canceled, "web", "KILL"); return err },
	}
	for name, call := range calls {
		for range 20 {
			if err := call(); !errors.Is(err, context.Canceled) {
				t.Fatalf("%s = %v, want context.Canceled", name, err)
			}
			st, err := sup.Status(context.Background(), "web")
			if err != nil || st.PID != before.PID || st.State != actors.StateRunning {
				t.Fatalf("after %s with a canceled context: web = %+v, %v", name, st, err)
			}
		}
	}
}

// A call that acts, made once Run's context is done, is refused as the
// documentation says, however soon: Run closes its own gate only once it
// has woken up, and a Start made right after cancel() got through and
// started the service (30 times out of 30), only for the shutdown to stop
// it again.
func TestEmbedActAfterCancelIsRefused(t *testing.T) {
	b := config.New("b", "sleep", "60")
	b.AutoStart = false
	sup, cancel, ran := embedded(t, actors.Config{Services: []*config.Service{b}})
	cancel()
	st, err := sup.Start(context.Background(), "b")
	if !errors.Is(err, actors.ErrNotRunning) {
		t.Errorf("Start after cancel: %+v, %v; want ErrNotRunning", st, err)
	}
	if st.PID != 0 {
		t.Errorf("Start after cancel started pid %d", st.PID)
	}
	waitRun(t, ran)
}
