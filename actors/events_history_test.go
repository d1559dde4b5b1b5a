//go:build linux

package actors

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Services in a crash loop fill the event history with their own events,
// but at most eventHistoryPerService each: a quiet service's start is
// still there once more events than the whole history holds have been
// published, and each looping service keeps its latest events.
func TestEventHistoryKeepsQuietServicesThroughCrashLoops(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("quiet.service", "[Service]\nExecStart=/bin/sleep 1000\n")
	// Each restart publishes an exit, a restart and a start; the streak's
	// delay stays at its 100 ms floor.
	const loops = 5
	for i := range loops {
		write(fmt.Sprintf("loop%d.service", i), "[Service]\nExecStart=/bin/false\nRestart=always\nRestartSec=0\nRestartMaxDelaySec=100ms\nStartLimitIntervalSec=0\n")
	}
	sup := lcRunOn(t, Config{ConfigDir: dir, LogDir: t.TempDir(), Logger: slog.New(slog.DiscardHandler)}).sup

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	live, err := sup.Events(ctx, "", true)
	if err != nil {
		t.Fatal(err)
	}
	// Wait until more events than the history holds came after the
	// subscription (the quiet service's start came before it).
	for n := 0; n <= eventHistory; n++ {
		select {
		case _, ok := <-live.Live:
			if !ok {
				t.Fatalf("the event stream ended after %d events", n)
			}
		case <-ctx.Done():
			t.Fatalf("only %d events in 2 minutes", n)
		}
	}
	cancel()

	got, err := sup.Events(context.Background(), "", false)
	if err != nil {
		t.Fatal(err)
	}
	// (The history is in the order the hub got the events; several
	// publishers stamp their own, so it need not be in time order.)
	perService := map[string]int{}
	for _, e := range got.History {
		perService[e.Service]++
	}
	if perService["quiet"] == 0 {
		t.Errorf("the quiet service's start was pushed out of the history by the crash loops: %v", perService)
	}
	for i := range loops {
		name := fmt.Sprintf("loop%d", i)
		if n := perService[name]; n > eventHistoryPerService || n < eventHistoryPerService/2 {
			t.Errorf("%s has %d events in the history, want at most %d and most of them", name, n, eventHistoryPerService)
		}
	}
	if len(got.History) > eventHistory {
		t.Errorf("history of %d events, want at most %d", len(got.History), eventHistory)
	}

	// The events of one looping service are its latest ones.
	one, err := sup.Events(context.Background(), "loop0", false)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(one.History); n == 0 || n > eventHistoryPerService {
		t.Fatalf("loop0's history has %d events, want 1 to %d", n, eventHistoryPerService)
	}
	if last := one.History[len(one.History)-1]; time.Since(last.Time) > 30*time.Second {
		t.Errorf("loop0's last event in the history is from %s: not its latest", last.Time)
	}
}
