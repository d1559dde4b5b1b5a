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
	waitReleased(t, "its event stream ended", ptr, -1)
}

// waitReleased waits until the Supervisor ptr points to is garbage
// collected and, if goroutines >= 0, the goroutines are back to that
// many, after Run returned and what says happened; it fails after 15 s.
func waitReleased(t *testing.T, what string, ptr weak.Pointer[actors.Supervisor], goroutines int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for ptr.Value() != nil || goroutines >= 0 && runtime.NumGoroutine() > goroutines {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			n := runtime.Stack(buf, true)
			t.Fatalf("after Run returned and %s: Supervisor reachable %v, goroutines %d -> %d\n%s",
				what, ptr.Value() != nil, goroutines, runtime.NumGoroutine(), buf[:n])
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
}
