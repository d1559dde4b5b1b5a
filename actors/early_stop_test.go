package actors

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/supers-dev/supers/config"
)

// A stop that comes before the services exist (superd still stopping
// what a crashed superd left; here, before Run) keeps its service from
// starting: the service is created stopped, and the stop then answers
// "stopped". The service was started with the others, then stopped when
// the command got through: a job with side effects ran for a moment. A
// start that comes after the stop takes it back.
func TestStopBeforeTheServicesExistKeepsThemStopped(t *testing.T) {
	dir := t.TempDir()
	started := func(name string) string { return filepath.Join(dir, name+".started") }
	svc := func(name string) *config.Service {
		return config.New(name, "/bin/sh", "-c", "touch "+started(name)+"; exec sleep 1000")
	}
	sup, err := New(Config{LogDir: filepath.Join(dir, "logs"), Services: []*config.Service{svc("web"), svc("db")}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	stopped := make(chan error, 2)
	for _, name := range []string{"web", "db"} {
		go func() {
			_, err := sup.Stop(ctx, name)
			stopped <- err
		}()
	}
	waitUntil(t, "both stops noted", func() bool {
		sup.early.mu.Lock()
		defer sup.early.mu.Unlock()
		return sup.early.stops["web"] && sup.early.stops["db"]
	})
	sup.early.note("db", false) // a start of db after its stop
	ran := make(chan error, 1)
	go func() { ran <- sup.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-ran; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	for range 2 {
		select {
		case err := <-stopped:
			if err != nil {
				t.Fatalf("stop: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("a stop was not answered")
		}
	}
	if st, err := sup.Status(ctx, "web"); err != nil || st.State != StateStopped || st.LastExit != nil {
		t.Fatalf("web after its stop: %+v, %v; want stopped, never run", st, err)
	}
	if _, err := os.Stat(started("web")); err == nil {
		t.Error("web ran, although its stop came before it was created")
	}
	// db's start came after its stop: db was created as AutoStart says,
	// started, then stopped by the stop that got through after.
	if st, err := sup.Status(ctx, "db"); err != nil || st.State != StateStopped || st.LastExit == nil || !st.LastExit.Expected {
		t.Errorf("db after a stop, then a start, then the stop: %+v, %v; want stopped after it ran", st, err)
	}
}
