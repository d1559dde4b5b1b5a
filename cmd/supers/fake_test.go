package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/supers-dev/supers/notify"
	"github.com/supers-dev/supers/transport"
)

// fakeBackend is an in-memory transport.Backend.
type fakeBackend struct {
	mu       sync.Mutex
	services map[string]transport.ServiceStatus
	errs     map[string]error // failure of every operation on that service
	execErr  map[string]string
	cfgErrs  []transport.ConfigError
	cfgErr   error                   // failure of ConfigErrors
	reload   transport.ReloadResult  // what Reload answers
	check    []transport.ConfigError // what CheckConfig answers
	dirErr   error                   // failure of Reload and CheckConfig
	calls    []string
	block    bool              // every call waits for its context
	history  []notify.Event    // what Events answers, before filtering
	live     chan notify.Event // Events' Live when following; the test closes it
}

func newFakeBackend(services ...transport.ServiceStatus) *fakeBackend {
	f := &fakeBackend{services: map[string]transport.ServiceStatus{}, errs: map[string]error{}, execErr: map[string]string{}}
	for _, s := range services {
		f.services[s.Name] = s
	}
	return f
}

func (f *fakeBackend) do(ctx context.Context, op, name string, mutate func(*transport.ServiceStatus)) (transport.ServiceStatus, error) {
	f.mu.Lock()
	f.calls = append(f.calls, strings.TrimSpace(op+" "+name))
	block := f.block
	f.mu.Unlock()
	if block {
		<-ctx.Done()
		return transport.ServiceStatus{}, ctx.Err()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.errs[name]; err != nil {
		return transport.ServiceStatus{}, err
	}
	st, ok := f.services[name]
	if !ok {
		return transport.ServiceStatus{}, fmt.Errorf("%w %q", transport.ErrUnknownService, name)
	}
	if mutate != nil {
		mutate(&st)
		f.services[name] = st
	}
	return st, nil
}

func (f *fakeBackend) List(ctx context.Context) ([]transport.ServiceStatus, error) {
	if _, err := f.do(ctx, "list", "", nil); err != nil && !errors.Is(err, transport.ErrUnknownService) {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]transport.ServiceStatus, 0, len(f.services))
	for _, s := range f.services {
		out = append(out, s)
	}
	// Deliberately unsorted by name: the CLI sorts.
	sort.Slice(out, func(i, j int) bool { return out[i].Name > out[j].Name })
	return out, nil
}

func (f *fakeBackend) Status(ctx context.Context, name string) (transport.ServiceStatus, error) {
	return f.do(ctx, "status", name, nil)
}

func (f *fakeBackend) Start(ctx context.Context, name string) (transport.ServiceStatus, error) {
	return f.do(ctx, "start", name, func(s *transport.ServiceStatus) {
		if msg := f.execErr[name]; msg != "" {
			s.State, s.Error = transport.StateExited, msg
			return
		}
		s.State, s.PID, s.UptimeSeconds = transport.StateRunning, 1000+len(f.calls), 0
	})
}

func (f *fakeBackend) Stop(ctx context.Context, name string) (transport.ServiceStatus, error) {
	return f.do(ctx, "stop", name, func(s *transport.ServiceStatus) {
		s.State, s.PID, s.UptimeSeconds = transport.StateStopped, 0, 0
		s.LastExit = &transport.ExitInfo{Signal: "SIGTERM", Expected: true}
	})
}

func (f *fakeBackend) Restart(ctx context.Context, name string) (transport.ServiceStatus, error) {
	return f.do(ctx, "restart", name, func(s *transport.ServiceStatus) {
		s.State, s.PID, s.UptimeSeconds = transport.StateRunning, 2000+len(f.calls), 0
		s.Restarts++
	})
}

func (f *fakeBackend) ConfigErrors(ctx context.Context) ([]transport.ConfigError, error) {
	f.mu.Lock()
	f.calls = append(f.calls, "config-errors")
	block, errs, err := f.block, slices.Clone(f.cfgErrs), f.cfgErr
	f.mu.Unlock()
	if block {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return errs, err
}

func (f *fakeBackend) Reload(ctx context.Context) (transport.ReloadResult, error) {
	f.mu.Lock()
	f.calls = append(f.calls, "reload")
	block, res, err := f.block, f.reload, f.dirErr
	f.mu.Unlock()
	if block {
		<-ctx.Done()
		return transport.ReloadResult{}, ctx.Err()
	}
	return res, err
}

func (f *fakeBackend) CheckConfig(ctx context.Context) ([]transport.ConfigError, error) {
	f.mu.Lock()
	f.calls = append(f.calls, "check")
	block, errs, err := f.block, slices.Clone(f.check), f.dirErr
	f.mu.Unlock()
	if block {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return errs, err
}

// Events answers f.history filtered by service and, with follow, f.live. A
// name with a space is invalid.
func (f *fakeBackend) Events(ctx context.Context, service string, follow bool) (transport.EventStream, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf("events %s follow=%t", service, follow))
	if strings.Contains(service, " ") {
		return transport.EventStream{}, fmt.Errorf("%w: invalid service name %q", transport.ErrInvalidArgument, service)
	}
	var s transport.EventStream
	for _, e := range f.history {
		if service == "" || e.Service == service {
			s.History = append(s.History, e)
		}
	}
	if follow {
		s.Live = f.live
	}
	return s, nil
}

func (f *fakeBackend) callLog() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

// shortTempDir returns a fresh directory with a path short enough for a
// Unix socket.
func shortTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "s")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

// startDaemon serves b like superd would and returns the socket path.
func startDaemon(t *testing.T, b transport.Backend) string {
	t.Helper()
	return serveDaemon(t, transport.NewHandler(b, transport.HandlerOptions{Version: "9.9.9"}))
}

// serveDaemon serves h on a new socket and returns the socket path. The
// server is closed when the test ends.
func serveDaemon(t *testing.T, h http.Handler) string {
	t.Helper()
	path := filepath.Join(shortTempDir(t), "superd.sock")
	ln, err := transport.ListenUnix(path)
	if err != nil {
		t.Fatal(err)
	}
	srv := transport.NewServer(h)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		_ = srv.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
	return path
}

// result is what one run of the CLI produced.
type result struct {
	stdout, stderr string
	code           int
}

// runCLI runs supers in-process with env as its whole environment.
func runCLI(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), args, &stdout, &stderr, func(k string) string { return env[k] })
	return result{stdout: stdout.String(), stderr: stderr.String(), code: code}
}

// runAgainst runs supers with --socket pointing at socket.
func runAgainst(t *testing.T, socket string, args ...string) result {
	t.Helper()
	return runCLI(t, nil, append([]string{"--socket", socket}, args...)...)
}
