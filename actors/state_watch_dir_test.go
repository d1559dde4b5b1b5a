package actors

import (
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/asynkron/protoactor-go/actor"
)

// holdActor holds the actor that receives it until release is closed.
type holdActor struct{ release chan struct{} }

// The state file's directory is moved away while a flush is already in
// the state actor's mailbox (its timer fired): the flush makes the
// directory again and writes the file (no failure), and the watch's
// restoreState then finds the file in place (not written). Neither watched
// the new directory: the state file removed later never came back. A write
// that made the directory again now has the watch made anew.
func TestStateWatchFollowsADirectoryMadeByAWrite(t *testing.T) {
	var logs lockedBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	dir, path, store := openStateIn(t)
	sys := quietSystem()
	inner := &stateActor{store: store, log: log}
	pid := sys.Root.Spawn(actor.PropsFromFunc(func(ctx actor.Context) {
		if h, ok := ctx.Message().(*holdActor); ok {
			<-h.release
			return
		}
		inner.Receive(ctx)
	}))
	t.Cleanup(func() { _ = sys.Root.StopFuture(pid).Wait() })
	done := make(chan struct{})
	sys.Root.Send(pid, &operatorIntent{service: "web", stopped: true})
	sys.Root.Send(pid, &drainState{done: done})
	<-done
	waitUntil(t, "the state file", func() bool { _, err := os.Stat(path); return err == nil })

	h := &holdActor{release: make(chan struct{})}
	sys.Root.Send(pid, h)
	sys.Root.Send(pid, &operatorIntent{service: "api", stopped: true})
	sys.Root.Send(pid, flushState{}) // the flush timer fired
	if err := os.Rename(dir, dir+".old"); err != nil {
		t.Fatal(err)
	}
	close(h.release)
	waitUntil(t, "the state file written again, with api", func() bool {
		b, err := os.ReadFile(path)
		return err == nil && strings.Contains(string(b), `"api"`)
	})
	// The actor has handled what came before: the flush and the watch's
	// notice of the directory moved.
	drained := make(chan struct{})
	sys.Root.Send(pid, &drainState{done: drained})
	<-drained

	// Now the file is removed: the watch should see it and write it again.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the state file removed from the new directory written again", func() bool {
		_, err := os.Stat(path)
		return err == nil
	})
}
