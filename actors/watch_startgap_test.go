//go:build linux

package actors

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runWithAfterLoad runs a Supervisor with cfg whose afterLoad is after,
// and waits until it is ready; it is shut down when the test ends.
func runWithAfterLoad(t *testing.T, cfg Config, after func()) *Supervisor {
	t.Helper()
	return runTweaked(t, cfg, func(s *Supervisor) { s.afterLoad = after })
}

// runTweaked runs a Supervisor with cfg, to which tweak sets what tests
// may set before Run, and waits until it is ready; it is shut down when
// the test ends.
func runTweaked(t *testing.T, cfg Config, tweak func(*Supervisor)) *Supervisor {
	t.Helper()
	sup, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tweak(sup)
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- sup.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-ran:
		case <-time.After(time.Minute):
			t.Error("supervisor did not stop")
		}
	})
	select {
	case <-sup.Ready():
	case err := <-ran:
		t.Fatalf("Run: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("supervisor not ready")
	}
	return sup
}

// A file written or changed while superd starts, after its first load and
// before the watch of --watch is on, raised no event the watch could see:
// the change was ignored until the next one. Now the config actor compares
// the dir with what it was before the load, once the watch is on, and
// reloads if they differ; without --watch, a changed file shows as
// changed (the * mark), since its stamp is the one from before the load.
func TestChangeBetweenLoadAndWatch(t *testing.T) {
	const sleep = "[Service]\nExecStart=/bin/sleep 600\n"
	for _, watch := range []bool{true, false} {
		t.Run(map[bool]string{true: "watch", false: "no watch"}[watch], func(t *testing.T) {
			dir := t.TempDir()
			write := func(name, body string) {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
					t.Error(err)
				}
			}
			write("a.service", sleep)
			// The change must not keep a's size and time: a file's stamp is
			// its time, size and identity.
			changed := "[Unit]\nDescription=changed while superd started\n" + sleep
			sup := runWithAfterLoad(t, Config{ConfigDir: dir, LogDir: t.TempDir(), Watch: watch, Logger: slog.New(slog.DiscardHandler)}, func() {
				write("a.service", changed)
				write("b.service", sleep)
			})
			ctx := t.Context()
			if watch {
				waitUntil(t, "b created and running, a running with its new description", func() bool {
					b, err := sup.Status(ctx, "b")
					a, aerr := sup.Status(ctx, "a")
					return err == nil && b.State == StateRunning && aerr == nil && a.State == StateRunning &&
						a.Description == "changed while superd started"
				})
				return
			}
			a, err := sup.Status(ctx, "a")
			if err != nil || !a.ConfigChanged {
				t.Fatalf("status of a, changed after the load: %+v, %v; want config_changed", a, err)
			}
			if _, err := sup.Status(ctx, "b"); err == nil {
				t.Fatal("b created without --watch or a reload")
			}
		})
	}
}

// superd.conf counts too: Run reads it after the service files, and an
// edit of it between that read and the watch was lost as well.
func TestDaemonConfChangeBetweenLoadAndWatch(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.service"), []byte("[Service]\nExecStart=/bin/sleep 600\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var buf lockedBuffer
	runWithAfterLoad(t, Config{ConfigDir: dir, LogDir: t.TempDir(), Watch: true, Logger: slog.New(slog.NewTextHandler(&buf, nil))}, func() {
		if err := os.WriteFile(filepath.Join(dir, "superd.conf"), []byte("[Daemon]\n"), 0o644); err != nil {
			t.Error(err)
		}
	})
	waitUntil(t, "a reload for the superd.conf written while superd started", func() bool {
		// The reload itself changes nothing here (no webhook), and says
		// so at Debug only.
		return strings.Contains(buf.String(), "the config dir changed while superd started")
	})
}
