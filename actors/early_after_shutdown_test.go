package actors

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/supers-dev/supers/actors/runstate"
	"github.com/supers-dev/supers/config"
)

// holdBeforeTheStart is a slog.Handler that holds Run where it logs
// "shutting down before the start" until release is closed, and closes
// reached when it gets there.
type holdBeforeTheStart struct {
	reached, release chan struct{}
	once             *sync.Once
}

func (h holdBeforeTheStart) Enabled(context.Context, slog.Level) bool { return true }

func (h holdBeforeTheStart) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "shutting down before the start" {
		h.once.Do(func() { close(h.reached) })
		<-h.release
	}
	return nil
}

func (h holdBeforeTheStart) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h holdBeforeTheStart) WithGroup(string) slog.Handler      { return h }

// A start received once Run's shutdown has begun, before the services
// exist, was noted all the same: its client was told superd is shutting
// down, and the state file recorded it started, so the next superd
// started the service. It is refused and recorded nowhere.
func TestStartAfterTheShutdownBeganIsNotRecorded(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	job := config.New("job", "/bin/sleep", "1000")
	job.AutoStart = false
	hold := holdBeforeTheStart{reached: make(chan struct{}), release: make(chan struct{}), once: new(sync.Once)}
	sup, err := New(Config{LogDir: filepath.Join(dir, "logs"), StateFile: state, Logger: slog.New(hold),
		Services: []*config.Service{job}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // superd told to stop before it started anything
	ran := make(chan error, 1)
	go func() { ran <- sup.Run(ctx) }()
	<-hold.reached
	// Run's context is done: its shutdown has begun (seen by the early
	// intents a moment later, on a goroutine of the context's).
	for deadline := time.Now().Add(2 * time.Second); !sup.early.refusing() && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	answered := make(chan error, 1)
	go func() { _, err := sup.Start(context.Background(), "job"); answered <- err }()
	select {
	case err := <-answered:
		if !errors.Is(err, errShutdown) {
			t.Errorf("a start once the shutdown began: %v, want errShutdown", err)
		}
	case <-time.After(5 * time.Second):
		t.Error("a start once the shutdown began was not refused at once")
	}
	close(hold.release)
	if err := <-ran; err != nil {
		t.Fatalf("Run: %v", err)
	}
	store, prev, err := runstate.Open(state, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if len(prev.Started) != 0 {
		t.Errorf("started in the state file: %q: the next superd would start job", prev.Started)
	}
}
