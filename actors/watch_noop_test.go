//go:build linux

package actors

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// levelRecorder keeps the level of each record logged with a message.
type levelRecorder struct {
	mu     sync.Mutex
	levels map[string][]slog.Level
}

func (h *levelRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (h *levelRecorder) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.levels[r.Message] = append(h.levels[r.Message], r.Level)
	return nil
}
func (h *levelRecorder) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *levelRecorder) WithGroup(string) slog.Handler      { return h }

func (h *levelRecorder) of(msg string) []slog.Level {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]slog.Level(nil), h.levels[msg]...)
}

// A reload the watch makes for a change that changes no service (a file
// that is not a definition, such as the default log dir created under the
// config dir) is logged at Debug; one that changes a service at Info.
func TestWatchReloadThatChangesNothingIsDebug(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.service"), []byte("[Service]\nExecStart=/bin/sleep 1000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rec := &levelRecorder{levels: map[string][]slog.Level{}}
	lcRunOn(t, Config{ConfigDir: dir, LogDir: filepath.Join(dir, "logs"), Watch: true, Logger: slog.New(rec)})
	reloads := func() []slog.Level { return rec.of("configuration reloaded") }
	// The config actor arms its watch when it starts, which Ready does not
	// wait for: a file written before that raises no event, and no reload.
	waitUntil(t, "the watch", func() bool { return len(rec.of("watching the config dir")) > 0 })
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the watch's reload", func() bool { return len(reloads()) > 0 })
	for _, l := range reloads() {
		if l != slog.LevelDebug {
			t.Fatalf("a reload that changed nothing logged at %s, want DEBUG: %v", l, reloads())
		}
	}
	n := len(reloads())
	if err := os.WriteFile(filepath.Join(dir, "b.service"), []byte("[Service]\nExecStart=/bin/sleep 1000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the reload that adds b", func() bool {
		for _, l := range reloads()[n:] {
			if l == slog.LevelInfo {
				return true
			}
		}
		return false
	})
}
