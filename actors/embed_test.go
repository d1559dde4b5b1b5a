//go:build linux

package actors_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/supers-dev/supers/actors"
	"github.com/supers-dev/supers/actors/runstate"
	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/notify"
	"github.com/supers-dev/supers/transport"
)

// embedded starts a Supervisor the way an embedding program does and
// returns it with its cancel and the channel of Run's result.
func embedded(t *testing.T, cfg actors.Config) (*actors.Supervisor, context.CancelFunc, <-chan error) {
	t.Helper()
	if cfg.LogDir == "" {
		cfg.LogDir = t.TempDir()
	}
	sup, err := actors.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	returned := make(chan struct{})
	go func() { ran <- sup.Run(ctx); close(returned) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-returned:
		case <-time.After(30 * time.Second):
			t.Error("Run did not return")
		}
	})
	select {
	case <-sup.Ready():
	case err := <-ran:
		t.Fatalf("Run: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("not ready")
	}
	return sup, cancel, ran
}

// waitRun waits for Run to return nil.
func waitRun(t *testing.T, ran <-chan error) {
	t.Helper()
	select {
	case err := <-ran:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return")
	}
}

// A followed log stream of an embedded supervisor (no socket, no HTTP API)
// ends when Run returns, as it does for superd.
func TestEmbedLogsFollowEndsWithRun(t *testing.T) {
	svc := config.New("talk", "/bin/sh", "-c", "echo hi; exec sleep 60")
	sup, cancel, ran := embedded(t, actors.Config{Services: []*config.Service{svc}})
	r, err := sup.Logs(context.Background(), "talk", transport.LogQuery{Follow: true, Tail: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	done := make(chan error, 1)
	go func() { _, err := io.Copy(io.Discard, r); done <- err }()
	cancel()
	waitRun(t, ran)
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("the followed log stream is still open 15s after Run returned")
	}
}

// Run called a second time returns an error instead of panicking.
func TestEmbedRunTwice(t *testing.T) {
	sup, cancel, ran := embedded(t, actors.Config{})
	cancel()
	waitRun(t, ran)
	err := sup.Run(context.Background())
	if err == nil {
		t.Fatal("second Run returned nil")
	}
	if _, err := sup.List(context.Background()); !errors.Is(err, actors.ErrNotRunning) {
		t.Fatalf("List after Run = %v, want ErrNotRunning", err)
	}
}

// Watch without a ConfigDir has nothing to watch: New refuses it.
func TestEmbedWatchWithoutConfigDir(t *testing.T) {
	if _, err := actors.New(actors.Config{LogDir: t.TempDir(), Watch: true}); err == nil {
		t.Fatal("New accepted Watch without a ConfigDir")
	}
}

// Two services of one name in Config.Services are refused by New.
func TestEmbedDuplicateServices(t *testing.T) {
	a := config.New("dup", "sleep", "60")
	b := config.New("dup", "sleep", "61")
	_, err := actors.New(actors.Config{LogDir: t.TempDir(), Services: []*config.Service{a, b}})
	if err == nil {
		t.Fatal("New accepted two services named dup")
	}
	t.Log(err)
}

func countFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// Once Run has returned, the goroutines and file descriptors it used are
// released.
func TestEmbedNoLeakAfterRun(t *testing.T) {
	cycle := func() {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "file.service"), []byte("[Service]\nExecStart=sleep 60\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		svc := config.New("talk", "/bin/sh", "-c", "echo hi; exec sleep 60")
		sup, err := actors.New(actors.Config{ConfigDir: dir, Services: []*config.Service{svc}, Watch: true,
			StateFile: filepath.Join(dir, "state"), Socket: filepath.Join(dir, "s.sock"),
			HTTP: actors.HTTPConfig{Addr: "127.0.0.1:0"}})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		ran := make(chan error, 1)
		go func() { ran <- sup.Run(ctx) }()
		<-sup.Ready()
		ev, err := sup.Events(context.Background(), "", true)
		if err != nil {
			t.Fatal(err)
		}
		r, err := sup.Logs(context.Background(), "talk", transport.LogQuery{Follow: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sup.Restart(ctx, "file"); err != nil {
			t.Fatal(err)
		}
		cancel()
		waitRun(t, ran)
		for range ev.Live {
		}
		_, _ = io.Copy(io.Discard, r)
		r.Close()
	}
	cycle() // warm up lazily created runtime goroutines and fds
	g0, f0 := runtime.NumGoroutine(), countFDs(t)
	for range 3 {
		cycle()
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		g, f := runtime.NumGoroutine(), countFDs(t)
		if g <= g0 && f <= f0 {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			n := runtime.Stack(buf, true)
			t.Fatalf("goroutines %d -> %d, fds %d -> %d after Run returned\n%s", g0, g, f0, f, buf[:n])
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Two supervisors in one process share nothing.
func TestEmbedTwoSupervisors(t *testing.T) {
	a, cancelA, ranA := embedded(t, actors.Config{Services: []*config.Service{config.New("web", "sleep", "60")}})
	b, _, _ := embedded(t, actors.Config{Services: []*config.Service{config.New("web", "sleep", "61")}})
	sa, err := a.Status(context.Background(), "web")
	if err != nil {
		t.Fatal(err)
	}
	sb, err := b.Status(context.Background(), "web")
	if err != nil {
		t.Fatal(err)
	}
	if sa.PID == 0 || sb.PID == 0 || sa.PID == sb.PID {
		t.Fatalf("pids %d %d", sa.PID, sb.PID)
	}
	cancelA()
	waitRun(t, ranA)
	sb2, err := b.Status(context.Background(), "web")
	if err != nil || sb2.PID != sb.PID || sb2.State != actors.StateRunning {
		t.Fatalf("b after a stopped: %+v, %v", sb2, err)
	}
}

// A service defined in Go with the name of a file of ConfigDir: the clash
// is reported, and the file's service follows its file on a reload.
func TestEmbedGoServiceClashesWithFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "web.service")
	if err := os.WriteFile(file, []byte("[Service]\nExecStart=sleep 60\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sup, _, _ := embedded(t, actors.Config{ConfigDir: dir, Services: []*config.Service{config.New("web", "sleep", "61")}})
	errs := sup.LoadErrors()
	if len(errs) != 1 || !errors.Is(errs[0], transport.ErrConflict) || !strings.Contains(errs[0].Error(), "Config.Services") || !strings.Contains(errs[0].Error(), file) {
		t.Errorf("LoadErrors = %v, want one conflict naming Config.Services and %s", errs, file)
	}
	before, err := sup.Status(context.Background(), "web")
	if err != nil || before.PID == 0 {
		t.Fatalf("web: %+v, %v", before, err)
	}
	if err := os.WriteFile(file, []byte("[Service]\nExecStart=sleep 62\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := sup.Reload(context.Background())
	if err != nil || !slices.Equal(res.Changed, []string{"web"}) {
		t.Fatalf("Reload = %+v, %v; want web changed", res, err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		st, err := sup.Status(context.Background(), "web")
		if err == nil && st.State == actors.StateRunning && st.PID != 0 && st.PID != before.PID {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("web not restarted with its new file: %+v, %v", st, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A file added later under the name of a Go service is reported by the
// reload, not silently ignored; the Go service keeps running.
func TestEmbedReloadReportsFileOfGoService(t *testing.T) {
	dir := t.TempDir()
	sup, _, _ := embedded(t, actors.Config{ConfigDir: dir, Services: []*config.Service{config.New("web", "sleep", "61")}})
	before, err := sup.Status(context.Background(), "web")
	if err != nil || before.PID == 0 {
		t.Fatalf("web: %+v, %v", before, err)
	}
	file := filepath.Join(dir, "web.service")
	if err := os.WriteFile(file, []byte("[Service]\nExecStart=sleep 62\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A check reports what the reload will (it said nothing).
	if chk, err := sup.CheckConfig(context.Background()); err != nil || len(chk) != 1 || chk[0].File != file || !strings.Contains(chk[0].Message, "embedding") {
		t.Errorf("CheckConfig = %+v, %v; want one error about %s", chk, err, file)
	}
	res, err := sup.Reload(context.Background())
	if err != nil || len(res.Errors) != 1 || res.Errors[0].File != file || !strings.Contains(res.Errors[0].Message, "embedding") {
		t.Fatalf("Reload = %+v, %v; want one error about %s", res, err, file)
	}
	// The ignored file does not define the service: Definition does not
	// give it (it did), as Put and Delete refuse it.
	if d, err := sup.Definition(context.Background(), "web"); !errors.Is(err, transport.ErrConflict) {
		t.Errorf("Definition(web) = %+v, %v; want a conflict", d, err)
	}
	if len(res.Added)+len(res.Changed)+len(res.Removed) != 0 {
		t.Errorf("Reload changed something: %+v", res)
	}
	if errs, err := sup.ConfigErrors(context.Background()); err != nil || len(errs) != 1 || errs[0].File != file {
		t.Errorf("ConfigErrors = %+v, %v", errs, err)
	}
	if st, err := sup.Status(context.Background(), "web"); err != nil || st.PID != before.PID {
		t.Errorf("web after the reload: %+v, %v (was pid %d)", st, err, before.PID)
	}
}

// Methods called from many goroutines while Run shuts down either succeed
// or fail with ErrNotRunning (or a shutdown error); none hangs.
func TestEmbedConcurrentCallsDuringShutdown(t *testing.T) {
	var svcs []*config.Service
	for i := range 4 {
		svcs = append(svcs, config.New(fmt.Sprintf("s%d", i), "/bin/sh", "-c", "echo hi; exec sleep 60"))
	}
	sup, cancel, ran := embedded(t, actors.Config{Services: svcs})
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var rounds [8]atomic.Int64 // each caller's finished calls
	for i := range 8 {
		wg.Go(func() {
			name := fmt.Sprintf("s%d", i%4)
			for {
				select {
				case <-stop:
					return
				default:
				}
				ctx, c := context.WithTimeout(context.Background(), 20*time.Second)
				switch i % 4 {
				case 0:
					_, _ = sup.List(ctx)
					_, _ = sup.Status(ctx, name)
				case 1:
					_, _ = sup.Restart(ctx, name)
				case 2:
					if ev, err := sup.Events(ctx, name, true); err == nil {
						go func() { time.Sleep(time.Millisecond); c() }()
						for range ev.Live {
						}
					}
				case 3:
					if r, err := sup.Logs(ctx, name, transport.LogQuery{Follow: true}); err == nil {
						go func() { time.Sleep(time.Millisecond); c() }()
						_, _ = io.Copy(io.Discard, r)
						r.Close()
					}
				}
				if ctx.Err() == context.DeadlineExceeded {
					t.Errorf("call %d hung", i)
				}
				c()
				rounds[i].Add(1)
			}
		})
	}
	// Shut down once every kind of call has gone through a few times, so
	// that the shutdown meets calls of each kind in flight.
	eventually(t, "every caller made 3 calls", func() bool {
		for i := range rounds {
			if rounds[i].Load() < 3 {
				return false
			}
		}
		return true
	})
	cancel()
	waitRun(t, ran)
	close(stop)
	wg.Wait()
}

// New keeps its own copy of Config.Services: the caller's values are left
// as they were, and changing them afterwards changes nothing.
func TestEmbedServicesCopied(t *testing.T) {
	svc := &config.Service{Name: "web", ExecStart: []string{"sleep", "60"}, AutoStart: true, Description: "before"}
	sup, err := actors.New(actors.Config{LogDir: t.TempDir(), Services: []*config.Service{svc}})
	if err != nil {
		t.Fatal(err)
	}
	if svc.Hash != "" || svc.KillSignal != "" {
		t.Errorf("New changed the caller's service: Hash %q, KillSignal %q", svc.Hash, svc.KillSignal)
	}
	svc.Description = "after"
	svc.ExecStart[0] = "/nonexistent/program"
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- sup.Run(ctx) }()
	defer func() { cancel(); waitRun(t, ran) }()
	<-sup.Ready()
	st, err := sup.Status(ctx, "web")
	if err != nil || st.State != actors.StateRunning || st.Description != "before" {
		t.Fatalf("web = %+v, %v; want running, described \"before\"", st, err)
	}
}

// A method called before Run waits for it to be ready; once Run has
// returned, the methods return ErrNotRunning.
func TestEmbedCallBeforeRun(t *testing.T) {
	sup, err := actors.New(actors.Config{LogDir: t.TempDir(), Services: []*config.Service{config.New("web", "sleep", "60")}})
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, err := sup.Status(ctx, "web")
		got <- err
	}()
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- sup.Run(ctx) }()
	if err := <-got; err != nil {
		t.Errorf("Status called before Run: %v", err)
	}
	cancel()
	waitRun(t, ran)
	if _, err := sup.Status(context.Background(), "web"); !errors.Is(err, actors.ErrNotRunning) {
		t.Errorf("Status after Run = %v, want ErrNotRunning", err)
	}
}

// A live event stream that the supervisor closes because its reader fell
// behind leaves nothing behind, although the caller's context lives on.
func TestEmbedDroppedEventStreamReleased(t *testing.T) {
	sup, _, _ := embedded(t, actors.Config{Services: []*config.Service{config.New("web", "sleep", "60")}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel() // only at the end: the streams must not wait for it
	g0 := settledGoroutines()
	const streams = 40
	var live []<-chan notify.Event
	for range streams {
		ev, err := sup.Events(ctx, "", true)
		if err != nil {
			t.Fatal(err)
		}
		live = append(live, ev.Live)
	}
	// Nobody reads them: more events than a stream holds close every one.
	// One stream that is read counts the events.
	counter, err := sup.Events(ctx, "", true)
	if err != nil {
		t.Fatal(err)
	}
	var seen atomic.Int64
	go func() {
		for range counter.Live {
			seen.Add(1)
		}
	}()
	deadline := time.Now().Add(120 * time.Second)
	for seen.Load() < 2500 { // more than subscriberBuffer+subscriberBacklog
		if time.Now().After(deadline) {
			t.Fatalf("only %d events in 120s", seen.Load())
		}
		if _, err := sup.Restart(context.Background(), "web"); err != nil {
			t.Fatal(err)
		}
	}
	for i, ch := range live {
	drain:
		for {
			select {
			case _, ok := <-ch:
				if !ok {
					break drain
				}
			default:
				t.Fatalf("unread stream %d still open", i)
			}
		}
	}
	g0++ // the counting goroutine
	if g := settledGoroutines(); g >= g0+streams/2 {
		t.Errorf("goroutines: %d before the streams, %d once the supervisor closed all %d", g0, g, streams)
	}
}

// A service of Config.Services that the program parsed from a file of its
// own is still defined in Go: a reload of ConfigDir leaves it alone.
func TestEmbedParsedServiceSurvivesReload(t *testing.T) {
	own := filepath.Join(t.TempDir(), "web.service")
	if err := os.WriteFile(own, []byte("[Service]\nExecStart=sleep 60\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	svc, err := config.ParseFile(own)
	if err != nil {
		t.Fatal(err)
	}
	sup, _, _ := embedded(t, actors.Config{ConfigDir: t.TempDir(), Services: []*config.Service{svc}})
	before, err := sup.Status(context.Background(), "web")
	if err != nil || before.State != actors.StateRunning {
		t.Fatalf("web: %+v, %v", before, err)
	}
	res, err := sup.Reload(context.Background())
	if err != nil || len(res.Removed) > 0 {
		t.Fatalf("Reload = %+v, %v; want nothing removed", res, err)
	}
	if st, err := sup.Status(context.Background(), "web"); err != nil || st.PID != before.PID {
		t.Fatalf("web after the reload: %+v, %v; want pid %d still running", st, err, before.PID)
	}
}

// Two supervisors given one StateFile: the second fails to start, instead
// of killing the first one's services as left behind by a crash.
func TestEmbedStateFileIsExclusive(t *testing.T) {
	state := filepath.Join(t.TempDir(), "sup.state")
	first, _, _ := embedded(t, actors.Config{StateFile: state, Services: []*config.Service{config.New("web", "sleep", "61")}})
	before, err := first.Status(context.Background(), "web")
	if err != nil || before.PID == 0 {
		t.Fatalf("web: %+v, %v", before, err)
	}
	second, err := actors.New(actors.Config{StateFile: state, LogDir: t.TempDir(), Services: []*config.Service{config.New("db", "sleep", "62")}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := second.Run(ctx); !errors.Is(err, runstate.ErrInUse) {
		t.Fatalf("second Run: %v, want ErrInUse", err)
	}
	if st, err := first.Status(context.Background(), "web"); err != nil || st.PID != before.PID || st.State != actors.StateRunning {
		t.Errorf("the first supervisor's web after the second one's start: %+v, %v (was pid %d)", st, err, before.PID)
	}
}

// settledGoroutines returns the number of goroutines, as the lowest of 20
// samples 10 ms apart: the count of a running supervisor moves a little
// (timers, mailboxes scheduled for a moment).
func settledGoroutines() int {
	low := runtime.NumGoroutine()
	for range 20 {
		time.Sleep(10 * time.Millisecond)
		low = min(low, runtime.NumGoroutine())
	}
	return low
}
