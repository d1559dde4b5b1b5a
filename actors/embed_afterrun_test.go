//go:build linux

package actors_test

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"

	"github.com/supers-dev/supers/actors"
	"github.com/supers-dev/supers/config"
)

// recordingHandler keeps the messages of the records logged through it.
type recordingHandler struct {
	mu   *sync.Mutex
	msgs *[]string
}

func (h recordingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h recordingHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	*h.msgs = append(*h.msgs, r.Message)
	return nil
}
func (h recordingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h recordingHandler) WithGroup(string) slog.Handler      { return h }

// Once Run has returned, Start, Stop and Restart of a supervisor with a
// state file are refused with ErrNotRunning and log nothing: they used to
// send to the state actor, gone with Run, and protoactor logged a dead
// letter through the program's Logger (a test's t.Log there panics once
// the test is over).
func TestCommandsAfterRunLogNothing(t *testing.T) {
	var (
		mu   sync.Mutex
		msgs []string
	)
	dir := t.TempDir()
	sup, cancel, ran := embedded(t, actors.Config{
		Services:  []*config.Service{config.New("web", "sleep", "64")},
		StateFile: filepath.Join(dir, "superd.state"),
		Logger:    slog.New(recordingHandler{&mu, &msgs}),
	})
	cancel()
	if err := <-ran; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	before := len(msgs)
	mu.Unlock()
	ctx := context.Background()
	for name, call := range map[string]func() error{
		"Start":   func() error { _, err := sup.Start(ctx, "web"); return err },
		"Stop":    func() error { _, err := sup.Stop(ctx, "web"); return err },
		"Restart": func() error { _, err := sup.Restart(ctx, "web"); return err },
	} {
		if err := call(); !errors.Is(err, actors.ErrNotRunning) {
			t.Errorf("%s after Run: %v, want ErrNotRunning", name, err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if after := msgs[before:]; len(after) > 0 {
		t.Errorf("logged after Run returned: %q", after)
	}
}
