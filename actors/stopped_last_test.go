//go:build linux

package actors_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/supers-dev/supers/actors"
	"github.com/supers-dev/supers/config/flock"
)

// hookHandler is a slog handler that calls fn with each record, in the
// goroutine that logs it.
type hookHandler struct{ fn func(slog.Record) }

func (h hookHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h hookHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h hookHandler) WithGroup(string) slog.Handler            { return h }
func (h hookHandler) Handle(_ context.Context, r slog.Record) error {
	h.fn(r)
	return nil
}

// TestStoppedIsLoggedOnceTheLocksAreFree: "superd stopped" is the last
// thing the supervisor does, so that whoever waits for it (a test, a
// script, an operator) can start the next superd at once. It was logged
// before the socket's lock and the config dir's were released, and a
// superd started right then failed with "another superd is running".
func TestStoppedIsLoggedOnceTheLocksAreFree(t *testing.T) {
	conf := t.TempDir()
	if err := os.WriteFile(filepath.Join(conf, "a.service"), []byte("[Service]\nExecStart=/bin/sleep 1000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sockDir, err := os.MkdirTemp("", "sl") // short: socket paths are bounded
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sockDir) })
	socket := filepath.Join(sockDir, "s.sock")
	var (
		mu     sync.Mutex
		seen   bool
		locked []string
	)
	// When "superd stopped" is logged, which of the locks are still held.
	w := hookHandler{func(r slog.Record) {
		if r.Message != "superd stopped" {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		seen = true
		for _, p := range []string{socket + ".lock", conf} {
			if flock.Holder(p) != 0 {
				locked = append(locked, p)
			}
		}
	}}
	_, cancel, ran := embedded(t, actors.Config{ConfigDir: conf, Socket: socket, Logger: slog.New(w)})
	if flock.Holder(socket+".lock") == 0 || flock.Holder(conf) == 0 {
		t.Fatal("the locks are not seen held while the supervisor runs: the test cannot tell")
	}
	cancel()
	waitRun(t, ran)
	mu.Lock()
	defer mu.Unlock()
	if !seen {
		t.Fatal(`"superd stopped" was not logged`)
	}
	if len(locked) > 0 {
		t.Errorf(`"superd stopped" was logged while these were still locked: %v`, locked)
	}
}
