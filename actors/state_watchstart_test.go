package actors

import (
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/supers-dev/supers/actors/runstate"
)

// A state file removed before the state actor began to watch it (while
// Run stopped what a crashed superd left, which lasts up to a service's
// TimeoutStopSec, after Open had read it) was written again only with the
// next change of state. With every service stopped by the operator, none
// came: a superd restarted then started them (their stops were in no
// file), and one that crashed left its successor no marker.
func TestStateFileRemovedBeforeTheWatchIsWrittenAgain(t *testing.T) {
	discard := slog.New(slog.DiscardHandler)
	path := filepath.Join(t.TempDir(), "superd.state")
	prev, _, err := runstate.Open(path, discard)
	if err != nil {
		t.Fatal(err)
	}
	if err := prev.SetStopped("web", true); err != nil {
		t.Fatal(err)
	}
	if err := prev.Close(); err != nil {
		t.Fatal(err)
	}
	// The next superd reads the file (and writes nothing), then it goes.
	store, st, err := runstate.Open(path, discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	if len(st.Stopped) != 1 {
		t.Fatalf("previous state %+v, want web stopped", st)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}

	sys := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return discard }))
	pid := sys.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return &stateActor{store: store, log: discard} }))
	t.Cleanup(func() { _ = sys.Root.StopFuture(pid).Wait() })
	waitUntil(t, "the state file written again, web stopped", func() bool {
		b, err := os.ReadFile(path)
		if err != nil {
			return false
		}
		var f stateFile
		return json.Unmarshal(b, &f) == nil && len(f.Stopped) == 1 && f.Stopped[0] == "web"
	})
}
