package actors

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/transport"
)

// A stop that comes before the services exist (superd still stopping
// what a crashed superd left; here, before Run) keeps its service from
// starting: the service is created stopped, and the stop then answers
// "stopped". The service was started with the others, then stopped when
// the command got through: a job with side effects ran for a moment. A
// start that comes after the stop starts the service once: it is
// created stopped all the same, the stop finds it so, and the start
// starts it. The start took the stop back: the service was created
// running, stopped by the stop 2 ms later, then started again.
func TestStopBeforeTheServicesExistKeepsThemStopped(t *testing.T) {
	dir := t.TempDir()
	started := func(name string) string { return filepath.Join(dir, name+".started") }
	svc := func(name string) *config.Service {
		return config.New(name, "/bin/sh", "-c", "echo >> "+started(name)+"; exec sleep 1000")
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
	waitUntil(t, "both stops queued", func() bool { return queuedCommands(sup) == 2 })
	startedDB := make(chan error, 1)
	go func() { // a start of db after its stop
		_, err := sup.Start(ctx, "db")
		startedDB <- err
	}()
	waitUntil(t, "the start of db queued", func() bool { return queuedCommands(sup) == 3 })
	runUntilCleanup(t, sup, ctx, cancel)
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
	if err := <-startedDB; err != nil {
		t.Fatalf("start of db: %v", err)
	}
	if st, err := sup.Status(ctx, "web"); err != nil || st.State != StateStopped || st.LastExit != nil {
		t.Fatalf("web after its stop: %+v, %v; want stopped, never run", st, err)
	}
	if _, err := os.Stat(started("web")); err == nil {
		t.Error("web ran, although its stop came before it was created")
	}
	if st, err := sup.Status(ctx, "db"); err != nil || st.State != StateRunning || st.LastExit != nil {
		t.Errorf("db after a stop, then a start: %+v, %v; want running, its first process", st, err)
	}
	var ran []byte
	waitUntil(t, "db's process ran", func() bool {
		ran, _ = os.ReadFile(started("db"))
		return len(ran) > 0
	})
	if len(ran) != 1 {
		t.Errorf("db ran %d times; want once", len(ran))
	}
}

// queuedCommands returns how many commands wait in sup's cmdOrder: all
// those asked, before Run is ready.
func queuedCommands(sup *Supervisor) int {
	sup.order.mu.Lock()
	defer sup.order.mu.Unlock()
	n := 0
	for c := sup.order.last; c != nil; c = c.prev {
		n++
	}
	return n
}

// A stop before the services exist whose client gives up is carried out
// all the same, as a stop under way is (it was withdrawn, and its service
// started); one of a service that is not defined stops nothing (defined
// later, it starts as its AutoStart= says).
func TestGivenUpStopBeforeTheServicesExistIsCarriedOut(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "conf")
	if err := os.Mkdir(conf, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(conf, "web.service"), []byte("[Service]\nExecStart=/bin/sleep 1000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sup, err := New(Config{ConfigDir: conf, LogDir: filepath.Join(dir, "logs")})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	gaveUp, giveUp := context.WithCancel(ctx)
	answered := make(chan error, 2)
	go func() {
		_, err := sup.Stop(gaveUp, "web")
		answered <- err
	}()
	go func() {
		_, err := sup.Stop(ctx, "ghost")
		answered <- err
	}()
	waitUntil(t, "both stops noted", func() bool {
		sup.early.mu.Lock()
		defer sup.early.mu.Unlock()
		return sup.early.stops["web"] > 0 && sup.early.stops["ghost"] > 0
	})
	giveUp()
	select {
	case err := <-answered:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("the stop whose client gave up: %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the stop whose client gave up was not answered")
	}
	runUntilCleanup(t, sup, ctx, cancel)
	<-sup.Ready()
	if err := <-answered; !errors.Is(err, transport.ErrUnknownService) {
		t.Fatalf("the stop of ghost: %v, want ErrUnknownService", err)
	}
	if st, err := sup.Status(ctx, "web"); err != nil || st.State != StateStopped || st.LastExit != nil {
		t.Fatalf("web after the stop whose client gave up: %+v, %v; want stopped, never run", st, err)
	}
	if err := os.WriteFile(filepath.Join(conf, "ghost.service"), []byte("[Service]\nExecStart=/bin/sleep 1000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := sup.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "ghost running", func() bool {
		st, err := sup.Status(ctx, "ghost")
		return err == nil && st.State == StateRunning
	})
}

// runUntilCleanup runs sup in a goroutine until the test ends, then
// cancels ctx and checks what Run returned.
func runUntilCleanup(t *testing.T, sup *Supervisor, ctx context.Context, cancel context.CancelFunc) {
	t.Helper()
	ran := make(chan error, 1)
	go func() { ran <- sup.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-ran; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
}

// A start asked after a stop, before the services exist, that gives up
// while it waits (its client gone) is carried out all the same, after the
// stop: the last command has the last word. It was dropped, and the
// stop asked before it kept web stopped.
func TestGivenUpStartAfterAStopIsCarriedOut(t *testing.T) {
	dir := t.TempDir()
	mark := filepath.Join(dir, "web.started")
	sup, err := New(Config{LogDir: filepath.Join(dir, "logs"), Services: []*config.Service{
		config.New("web", "/bin/sh", "-c", "touch "+mark+"; exec sleep 1000")}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	stopped := make(chan error, 1)
	go func() { _, err := sup.Stop(ctx, "web"); stopped <- err }()
	waitUntil(t, "the stop queued", func() bool { return queuedCommands(sup) == 1 })
	sctx, scancel := context.WithCancel(ctx)
	started := make(chan error, 1)
	go func() { _, err := sup.Start(sctx, "web"); started <- err }()
	waitUntil(t, "the start queued", func() bool { return queuedCommands(sup) == 2 })
	scancel()
	if err := <-started; !errors.Is(err, context.Canceled) {
		t.Fatalf("the start given up: %v, want context.Canceled", err)
	}
	runUntilCleanup(t, sup, ctx, cancel)
	if err := <-stopped; err != nil {
		t.Fatalf("stop: %v", err)
	}
	waitUntil(t, "web running, started by the start given up", func() bool {
		st, err := sup.Status(ctx, "web")
		return err == nil && st.State == StateRunning
	})
}
