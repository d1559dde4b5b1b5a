//go:build linux

package actors_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/supers-dev/supers/actors"
	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/notify"
)

// codeOf returns the exit code of e, or -1000 without one.
func codeOf(e notify.Event) int {
	if e.Code == nil {
		return -1000
	}
	return *e.Code
}

// nextOf returns the next event of type typ from live.
func nextOf(t *testing.T, live <-chan notify.Event, typ string) notify.Event {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case e, ok := <-live:
			if !ok {
				t.Fatalf("stream closed before a %s event", typ)
			}
			if e.Type == typ {
				return e
			}
		case <-timeout:
			t.Fatalf("no %s event in 20s", typ)
		}
	}
}

// The events Events returns are the caller's: changing one (sorting the
// names of a reload, say) changes neither what another stream gets nor the
// history. Every stream and the history shared the slices and the exit
// code of one event, so that a change made by one reader was seen by all
// (and raced with the webhooks encoding the event).
func TestEmbedEventsAreTheCallers(t *testing.T) {
	confDir := t.TempDir()
	short := config.New("short", "/bin/sh", "-c", "exit 3")
	short.AutoStart = false
	short.Restart.Mode = config.RestartNo
	sup, _, _ := embedded(t, actors.Config{ConfigDir: confDir, Services: []*config.Service{short}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := sup.Events(ctx, "", true)
	if err != nil {
		t.Fatal(err)
	}
	b, err := sup.Events(ctx, "", true)
	if err != nil {
		t.Fatal(err)
	}

	for _, name := range []string{"x1", "x2"} {
		if err := os.WriteFile(filepath.Join(confDir, name+".service"), []byte("[Service]\nExecStart=sleep 60\nAutoStart=no\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := sup.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := sup.Start(ctx, "short"); err != nil {
		t.Fatal(err)
	}

	ra := nextOf(t, a.Live, notify.TypeReload)
	if !slices.Equal(ra.Added, []string{"x1", "x2"}) {
		t.Fatalf("reload event added %v, want [x1 x2]", ra.Added)
	}
	ra.Added[0] = "changed by a reader"
	ea := nextOf(t, a.Live, notify.TypeExit)
	if codeOf(ea) != 3 {
		t.Fatalf("exit event code %d, want 3", codeOf(ea))
	}
	*ea.Code = 99

	if rb := nextOf(t, b.Live, notify.TypeReload); !slices.Equal(rb.Added, []string{"x1", "x2"}) {
		t.Errorf("another stream's reload event added %v, want [x1 x2]", rb.Added)
	}
	if eb := nextOf(t, b.Live, notify.TypeExit); codeOf(eb) != 3 {
		t.Errorf("another stream's exit event code %d, want 3", codeOf(eb))
	}
	h, err := sup.Events(ctx, "", false)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range h.History {
		switch {
		case e.Type == notify.TypeReload && !slices.Equal(e.Added, []string{"x1", "x2"}):
			t.Errorf("history's reload event added %v, want [x1 x2]", e.Added)
		case e.Type == notify.TypeExit && codeOf(e) != 3:
			t.Errorf("history's exit event code %d, want 3", codeOf(e))
		}
	}
	// And a change made to the history is not in the next history.
	for i := range h.History {
		if h.History[i].Type == notify.TypeReload {
			h.History[i].Added[1] = "changed too"
		}
	}
	h2, err := sup.Events(ctx, "", false)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range h2.History {
		if e.Type == notify.TypeReload && !slices.Equal(e.Added, []string{"x1", "x2"}) {
			t.Errorf("history after a change to an earlier one: reload added %v, want [x1 x2]", e.Added)
		}
	}
}

// A Reload's result is its caller's too: its lists were those of the
// reload event that the history kept and the webhooks encode, so that a
// caller sorting or filtering them in place changed the event.
func TestEmbedReloadResultIsTheCallers(t *testing.T) {
	confDir := t.TempDir()
	sup, _, _ := embedded(t, actors.Config{ConfigDir: confDir})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, name := range []string{"x1", "x2"} {
		if err := os.WriteFile(filepath.Join(confDir, name+".service"), []byte("[Service]\nExecStart=sleep 60\nAutoStart=no\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res, err := sup.Reload(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Added, []string{"x1", "x2"}) {
		t.Fatalf("Reload added %v, want [x1 x2]", res.Added)
	}
	res.Added[0] = "changed by the caller"
	h, err := sup.Events(ctx, "", false)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range h.History {
		if e.Type == notify.TypeReload {
			found = true
			if !slices.Equal(e.Added, []string{"x1", "x2"}) {
				t.Errorf("the reload event added %v after the caller changed its result, want [x1 x2]", e.Added)
			}
		}
	}
	if !found {
		t.Fatal("no reload event in the history")
	}
}
