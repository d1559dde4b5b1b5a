//go:build linux

package actors

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/supers-dev/supers/actors/runstate"
	"github.com/supers-dev/supers/config"
)

// Commands that wait for the start while Run stops what a previous superd
// left, and that a shutdown then refuses, get their 503 "superd is
// shutting down" before Run closes the API (api.close): as at a shutdown
// after the start, their connections are not cut before the answer.
// Run returned at once, and api.close cancelled the requests and closed
// their connections in the same breath, so that whether an answer got out
// first was a race (which the answers often won under -race). Here the answers
// must have reached the clients by the time api.close is about to run,
// which they cannot if Run leaves the requests to api.close, whatever the
// timing.
func TestCommandsWaitingForLeftoversAnsweredBeforeAPICloses(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	store, _, err := runstate.Open(state, nil)
	if err != nil {
		t.Fatal(err)
	}
	marker := store.Marker("x")
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	// What a SIGKILLed superd left of x: a process with x's marker that
	// ignores SIGTERM (sleep keeps the ignored signal across the exec).
	m := newMarks(t)
	left := exec.Command("/bin/sh", "-c", `trap "" TERM; : > "$1"; exec sleep 1000`, "sh", m.path("up"))
	left.Env = append(os.Environ(), runstate.MarkerEnv+"="+marker)
	left.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := left.Start(); err != nil {
		t.Fatal(err)
	}
	reaped := make(chan struct{})
	go func() { _ = left.Wait(); close(reaped) }() // a zombie counts as gone for KillStale
	t.Cleanup(func() {
		_ = syscall.Kill(-left.Process.Pid, syscall.SIGKILL)
		<-reaped
	})
	stressWait(t, "the leftover process to ignore SIGTERM", m.exists("up"))

	// Its TimeoutStopSec= is KillStale's grace: longer than the test.
	x := config.New("x", "/bin/sleep", "1000")
	x.TimeoutStopSec = time.Hour
	socket := filepath.Join(dir, "s.sock")
	sup, err := New(Config{LogDir: filepath.Join(dir, "logs"), StateFile: state, Socket: socket, Services: []*config.Service{x}})
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"a", "b", "c"}
	var (
		mu       sync.Mutex
		answered int
	)
	beforeClose := make(chan int, 1)
	sup.beforeAPIClose = func() {
		// The answers were written before: give the clients a moment
		// to read them.
		deadline := time.Now().Add(10 * time.Second)
		for {
			mu.Lock()
			n := answered
			mu.Unlock()
			if n == len(names) || time.Now().After(deadline) {
				beforeClose <- n
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ran := make(chan error, 1)
	go func() { ran <- sup.Run(ctx) }()
	stressWait(t, "Run to stop the leftover process", sup.leftovers.Load)

	client := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", socket)
		},
		DisableKeepAlives: true,
	}}
	type result struct {
		name, body string
		code       int
		err        error
	}
	results := make(chan result, len(names))
	for _, name := range names {
		go func() {
			r := result{name: name}
			resp, err := client.Post("http://superd/v1/services/"+name+"/stop", "application/json", nil)
			if err == nil {
				var body []byte
				body, err = io.ReadAll(resp.Body)
				_ = resp.Body.Close()
				r.code, r.body = resp.StatusCode, string(body)
			}
			r.err = err
			mu.Lock()
			answered++
			mu.Unlock()
			results <- r
		}()
	}
	// Each stop is under way: it waits for the start.
	stressWait(t, "the stops to wait for the start", func() bool {
		sup.early.mu.Lock()
		defer sup.early.mu.Unlock()
		for _, name := range names {
			if sup.early.stops[name] == 0 {
				return false
			}
		}
		return true
	})
	cancel()
	select {
	case err := <-ran:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("Run did not return within a minute of its context's end")
	}
	if n := <-beforeClose; n != len(names) {
		t.Errorf("%d of %d commands answered when Run was about to close the API; want all", n, len(names))
	}
	for range names {
		r := <-results
		if r.err != nil || r.code != http.StatusServiceUnavailable || !strings.Contains(r.body, "superd is shutting down") {
			t.Errorf("stop %s at a shutdown during the start: %d %q, %v; want 503 \"superd is shutting down\"", r.name, r.code, r.body, r.err)
		}
	}
}
