package actors

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/supers-dev/supers/actors/runstate"
	"github.com/supers-dev/supers/config"
)

// The stops and starts asked before the services exist that a shutdown
// before the start refuses (errShutdown) are recorded in the state file
// all the same, as the operator's intents, as they would be once carried
// out: the next Run honours them (a stop outlives a restart), and the
// clients that gave up were told they would be carried out. They were
// lost: the next Run started web.
func TestEarlyCommandsRecordedAtAShutdownBeforeTheStart(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	svc := func(name string, autoStart bool) *config.Service {
		sp := config.New(name, "/bin/sleep", "1000")
		sp.AutoStart = autoStart
		return sp
	}
	sup, err := New(Config{LogDir: filepath.Join(dir, "logs"), StateFile: state,
		Services: []*config.Service{svc("web", true), svc("job", false), svc("api-1", true), svc("db", true)}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The commands' own contexts, not Run's: those still waiting when
	// the shutdown comes must be answered errShutdown by it.
	answers := make(chan error, 3)
	ask := func(do func(context.Context) error) {
		go func() { answers <- do(context.Background()) }()
	}
	gaveUp, giveUp := context.WithCancel(context.Background())
	webAnswer := make(chan error, 1)
	go func() {
		_, err := sup.Stop(gaveUp, "web")
		webAnswer <- err
	}()
	waitUntil(t, "the stop of web queued", func() bool { return queuedCommands(sup) == 1 })
	giveUp()
	ask(func(ctx context.Context) error { _, err := sup.Start(ctx, "job"); return err })
	waitUntil(t, "the start of job queued", func() bool { return queuedCommands(sup) == 2 })
	ask(func(ctx context.Context) error { _, err := sup.Start(ctx, "db"); return err })
	waitUntil(t, "the start of db queued", func() bool { return queuedCommands(sup) == 3 })
	ask(func(ctx context.Context) error { _, err := sup.Stop(ctx, "db"); return err })
	waitUntil(t, "the stop of db queued", func() bool { return queuedCommands(sup) == 4 })
	cancel() // the shutdown, before Run gets to start anything
	if err := sup.Run(ctx); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if err := <-webAnswer; !errors.Is(err, context.Canceled) {
		t.Errorf("the stop of web, given up: %v, want context.Canceled", err)
	}
	for range 3 {
		select {
		case err := <-answers:
			if !errors.Is(err, errShutdown) {
				t.Errorf("a command refused by the shutdown: %v, want errShutdown", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("a command was not answered")
		}
	}
	store, prev, err := runstate.Open(state, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if want := []string{"db", "web"}; !slices.Equal(slices.Sorted(slices.Values(prev.Stopped)), want) {
		t.Errorf("stopped in the state file: %q, want %q", prev.Stopped, want)
	}
	if want := []string{"job"}; !slices.Equal(prev.Started, want) {
		t.Errorf("started in the state file: %q, want %q", prev.Started, want)
	}
}
