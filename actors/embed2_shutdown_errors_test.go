//go:build linux

package actors_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/supers-dev/supers/actors"
	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/transport"
)

// Every method called from many goroutines while Run shuts down either
// succeeds or fails as the package documentation says: with an error
// matching ErrNotRunning (the shutdown refused or cut it, or Run had
// returned), or one the other goroutines explain (a signal to a service
// without a process, a start that a later stop overrode, a delete of a
// definition deleted first).
// None fails otherwise and none hangs.
func TestEmbedCallsDuringShutdownFailOnlyAsDocumented(t *testing.T) {
	dir := t.TempDir()
	confDir := filepath.Join(dir, "etc")
	if err := os.Mkdir(confDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(confDir, "file.service"), []byte("[Service]\nExecStart=/bin/sh -c 'echo hi; exec sleep 60'\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var svcs []*config.Service
	for i := range 2 {
		svcs = append(svcs, config.New(fmt.Sprintf("go%d", i), "/bin/sh", "-c", "echo hi; exec sleep 60"))
	}
	sup, cancel, ran := embedded(t, actors.Config{ConfigDir: confDir, LogDir: filepath.Join(dir, "logs"),
		StateFile: filepath.Join(dir, "state"), Services: svcs})

	var (
		mu         sync.Mutex
		unexpected []string
	)
	check := func(op string, err error, allowed ...error) {
		if err == nil || errors.Is(err, actors.ErrNotRunning) {
			return
		}
		for _, a := range allowed {
			if errors.Is(err, a) {
				return
			}
		}
		mu.Lock()
		unexpected = append(unexpected, fmt.Sprintf("%s: %v", op, err))
		mu.Unlock()
	}
	names := []string{"go0", "go1", "file"}
	calls := []func(ctx context.Context, name string){
		func(ctx context.Context, name string) {
			_, err := sup.List(ctx)
			check("List", err)
			_, err = sup.Status(ctx, name)
			check("Status", err)
		},
		func(ctx context.Context, name string) {
			// A stop of another goroutine may have the last word.
			_, err := sup.Restart(ctx, name)
			check("Restart", err, transport.ErrConflict)
		},
		func(ctx context.Context, name string) {
			_, err := sup.Stop(ctx, name)
			check("Stop", err)
			_, err = sup.Start(ctx, name)
			check("Start", err, transport.ErrConflict)
		},
		func(ctx context.Context, name string) {
			_, err := sup.Signal(ctx, name, "CONT")
			check("Signal", err, transport.ErrConflict) // between a stop and a start
		},
		func(ctx context.Context, name string) {
			// Followed for a moment: the stream ends with its context,
			// or with the shutdown.
			ectx, ecancel := context.WithTimeout(ctx, 20*time.Millisecond)
			defer ecancel()
			ev, err := sup.Events(ectx, name, true)
			check("Events", err, context.DeadlineExceeded)
			if err == nil {
				for range ev.Live {
				}
			}
		},
		func(ctx context.Context, name string) {
			r, err := sup.Logs(ctx, name, transport.LogQuery{Tail: 10})
			check("Logs", err)
			if err == nil {
				_, _ = io.Copy(io.Discard, r)
				r.Close()
			}
		},
		func(ctx context.Context, _ string) {
			_, err := sup.Reload(ctx)
			check("Reload", err)
			_, err = sup.ConfigErrors(ctx)
			check("ConfigErrors", err)
			_, err = sup.Definition(ctx, "file")
			check("Definition", err)
		},
		func(ctx context.Context, _ string) {
			_, err := sup.PutDefinition(ctx, "edited", []byte("[Service]\nExecStart=sleep 60\n"), transport.WriteOptions{})
			check("PutDefinition", err)
			_, err = sup.DeleteDefinition(ctx, "edited", transport.WriteOptions{})
			check("DeleteDefinition", err, transport.ErrUnknownService)
		},
	}
	var (
		wg   sync.WaitGroup
		stop = make(chan struct{})
		made = make([]atomic.Int64, len(calls))
	)
	for i, call := range calls {
		wg.Go(func() {
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				ctx, c := context.WithTimeout(context.Background(), 20*time.Second)
				call(ctx, names[n%len(names)])
				if ctx.Err() != nil {
					mu.Lock()
					unexpected = append(unexpected, fmt.Sprintf("call %d hung", i))
					mu.Unlock()
				}
				c()
				made[i].Add(1)
			}
		})
	}
	// Every kind of call has been made while the supervisor ran.
	deadline := time.Now().Add(20 * time.Second)
	for i := range made {
		for made[i].Load() < 2 {
			if time.Now().After(deadline) {
				t.Fatalf("call %d was not made twice in 20s", i)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	cancel()
	waitRun(t, ran)
	// And some after Run returned.
	after := make([]int64, len(made))
	for i := range made {
		after[i] = made[i].Load()
	}
	for i := range made {
		for made[i].Load() < after[i]+2 {
			if time.Now().After(deadline.Add(20 * time.Second)) {
				t.Fatalf("call %d was not made after Run returned", i)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	close(stop)
	wg.Wait()
	for _, u := range unexpected {
		t.Error(u)
	}
}
