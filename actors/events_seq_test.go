//go:build linux

package actors

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Every event superd publishes has a sequence number, one more than the
// event before it, from 1: the history holds them in order, and a live
// stream goes on from there, so that a receiver can tell a gap (events a
// full queue dropped) from a quiet spell.
func TestEventsAreNumbered(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a", "b"} {
		if err := os.WriteFile(filepath.Join(dir, name+".service"), []byte("[Service]\nExecStart=/bin/sleep 1000\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sup := lcRunOn(t, Config{ConfigDir: dir, LogDir: t.TempDir(), Logger: slog.New(slog.DiscardHandler)}).sup
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	live, err := sup.Events(ctx, "", true)
	if err != nil {
		t.Fatal(err)
	}
	if len(live.History) < 2 {
		t.Fatalf("history of %d events, want the two starts at least", len(live.History))
	}
	var last uint64
	for i, e := range live.History {
		if want := uint64(i + 1); e.Seq != want {
			t.Errorf("history event %d (%s %s): seq %d, want %d", i, e.Type, e.Service, e.Seq, want)
		}
		last = e.Seq
	}
	if _, err := sup.Restart(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	// A restart publishes an exit, a stop and a start (at least).
	for range 3 {
		select {
		case e, ok := <-live.Live:
			if !ok {
				t.Fatal("the event stream ended")
			}
			if e.Seq != last+1 {
				t.Errorf("live event %s %s: seq %d, want %d", e.Type, e.Service, e.Seq, last+1)
			}
			last = e.Seq
		case <-ctx.Done():
			t.Fatal("no event after a restart")
		}
	}
}
