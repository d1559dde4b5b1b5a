//go:build linux

package actors_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/supers-dev/supers/actors"
	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/transport"
)

// eventually polls cond until it holds, failing the test after 20 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A log stream asked for while Run is stopping its services fails with
// ErrNotRunning, as every other call then does, not with the internal
// "context canceled" of the shutdown's streams.
func TestEmbedFollowLogsDuringShutdown(t *testing.T) {
	slow := config.New("slow", "/bin/sh", "-c", "trap '' TERM; echo armed; while :; do sleep 0.2; done")
	slow.TimeoutStopSec = 3 * time.Second
	if err := config.Validate(slow); err != nil {
		t.Fatal(err)
	}
	logDir := t.TempDir()
	sup, cancel, ran := embedded(t, actors.Config{Services: []*config.Service{slow}, LogDir: logDir})
	eventually(t, "slow's first line", func() bool {
		b, _ := os.ReadFile(filepath.Join(logDir, "slow", "stdout.log"))
		return strings.Contains(string(b), "armed")
	})
	cancel()
	eventually(t, "slow stopping", func() bool {
		st, err := sup.Status(context.Background(), "slow")
		return err == nil && st.State == actors.StateStopping
	})
	r, err := sup.Logs(context.Background(), "slow", transport.LogQuery{Tail: -1, Follow: true})
	if err == nil {
		// Asked just before the streams were cut: it must end at once.
		_, _ = io.Copy(io.Discard, r)
		r.Close()
	} else if !errors.Is(err, actors.ErrNotRunning) {
		t.Fatalf("Logs during the shutdown: %v, want ErrNotRunning", err)
	}
	waitRun(t, ran)
}

// Relative paths of Config stay where they were when New was called: a
// later chdir of the program does not move the log dir the supervisor
// reads and writes.
func TestEmbedRelativeLogDirSurvivesChdir(t *testing.T) {
	first, second := t.TempDir(), t.TempDir()
	t.Chdir(first)
	web := config.New("web", "/bin/sh", "-c", "echo hi; exec sleep 60")
	sup, _, _ := embedded(t, actors.Config{Services: []*config.Service{web}, LogDir: "logs"})
	eventually(t, "web's line in first/logs", func() bool {
		b, _ := os.ReadFile(filepath.Join(first, "logs", "web", "stdout.log"))
		return string(b) == "hi\n"
	})
	t.Chdir(second)
	r, err := sup.Logs(context.Background(), "web", transport.LogQuery{Tail: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil || string(b) != "hi\n" {
		t.Fatalf("Logs after a chdir = %q, %v; want \"hi\\n\"", b, err)
	}
}
