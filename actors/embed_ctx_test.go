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
