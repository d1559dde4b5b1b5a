//go:build linux

package actors_test

import (
	"context"
	"runtime"
	"testing"
	"time"
	"weak"

	"github.com/supers-dev/supers/actors"
	"github.com/supers-dev/supers/config"
)

// A followed event stream that the supervisor ends itself (here: Run
// returns) does not keep the supervisor alive through the caller's
// context, which may live much longer: its unsubscribe hook is removed.
func TestEmbedEventStreamReleasesSupervisor(t *testing.T) {
	long, cancelLong := context.WithCancel(context.Background())
	defer cancelLong()
	ptr := func() weak.Pointer[actors.Supervisor] {
		sup, cancel, ran := embedded(t, actors.Config{Services: []*config.Service{config.New("web", "sleep", "60")}})
		ev, err := sup.Events(long, "", true)
		if err != nil {
			t.Fatal(err)
		}
		cancel()
		waitRun(t, ran)
		for range ev.Live { // closed by the shutdown
		}
		return weak.Make(sup)
	}()
	deadline := time.Now().Add(15 * time.Second)
	for ptr.Value() != nil {
		if time.Now().After(deadline) {
			t.Fatal("the Supervisor is still reachable after Run returned and its event stream ended")
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
}
