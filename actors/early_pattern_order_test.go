package actors

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/supers-dev/supers/config"
)

// A stop of a pattern asked while Run stops what a previous superd left
// has the last word over a start of a service it matches asked before
// it, whose client gave up, as a stop by name has: the pattern only had
// the service created stopped, and the start, sent once ready, then
// started it for good (supers was told "commands carried out").
func TestPatternStopAfterAGivenUpStartHasTheLastWord(t *testing.T) {
	dir := t.TempDir()
	started := func(name string) string { return filepath.Join(dir, name+".started") }
	svc := func(name string) *config.Service {
		return config.New(name, "/bin/sh", "-c", "touch "+started(name)+"; exec sleep 1000")
	}
	db := svc("db")
	db.AutoStart = false
	sup, err := New(Config{LogDir: filepath.Join(dir, "logs"), Services: []*config.Service{svc("web"), db}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	// As while Run stops a previous superd's leftovers (Run, without a
	// state file, has none to stop and leaves this alone).
	sup.leftovers.Store(true)
	sctx, giveUp := context.WithCancel(ctx)
	startErr := make(chan error, 1)
	go func() { _, err := sup.Start(sctx, "db"); startErr <- err }()
	waitUntil(t, "the start of db noted", func() bool {
		sup.early.mu.Lock()
		defer sup.early.mu.Unlock()
		return sup.early.starts["db"] > 0
	})
	giveUp()
	if err := <-startErr; !errors.Is(err, context.Canceled) {
		t.Fatalf("the start given up: %v, want context.Canceled", err)
	}
	if _, err := sup.Stop(ctx, "*"); !errors.Is(err, errLeftovers) {
		t.Fatalf("stop of * before the services exist: %v, want errLeftovers", err)
	}
	sup.leftovers.Store(false)
	runUntilCleanup(t, sup, ctx, cancel)
	<-sup.Ready()
	// A command asked now goes to db's actor after those asked before
	// Run was ready: its answer says what they left (Status may answer
	// from what the services supervisor last heard, before the start).
	if st, err := sup.Signal(ctx, "db", "CONT"); st.State == StateRunning || st.State == StateStarting {
		t.Fatalf("db after its start, then a stop of *: %s (signal: %v); want stopped or stopping", st.State, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := sup.Status(ctx, "db")
		if err == nil && st.State == StateStopped {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("db after its start, then a stop of *: %+v, %v; want stopped", st, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if st, err := sup.Status(ctx, "web"); err != nil || st.State != StateStopped || st.LastExit != nil {
		t.Errorf("web after a stop of *: %+v, %v; want stopped, never run", st, err)
	}
	if _, err := os.Stat(started("web")); err == nil {
		t.Error("web ran, although a stop of * came before it was created")
	}
}
