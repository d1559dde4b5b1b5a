package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/supers-dev/supers/config"
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
	dropped  bool              // Events' Dropped: the hub dropped the stream
	logs     map[string]string // each service's output by "name stream"
	logLive  chan string       // what Logs sends after the tail when following; the test closes it
	// logLiveOf, if it has the service, is what Logs sends for it instead
	// of logLive.
	logLiveOf map[string]chan string
	defs      map[string]string // service files by name
	// beforeWrite, when set, runs at the start of each definition write,
	// e.g. to change the definition as another client would meanwhile.
	beforeWrite func(f *fakeBackend, name string)
	writes      []transport.WriteOptions // the options of each definition write
}

func newFakeBackend(services ...transport.ServiceStatus) *fakeBackend {
	f := &fakeBackend{services: map[string]transport.ServiceStatus{}, errs: map[string]error{}, execErr: map[string]string{},
		logs: map[string]string{}, defs: map[string]string{}}
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

// callsOn counts the calls made on the service name so far (a new PID
// that does not depend on the order in which concurrent calls on several
// services come). f.mu must be held.
func (f *fakeBackend) callsOn(name string) int {
	n := 0
	for _, c := range f.calls {
		if strings.HasSuffix(c, " "+name) {
			n++
		}
	}
	return n
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
		s.State, s.PID, s.UptimeSeconds = transport.StateRunning, 1000+f.callsOn(name), 0
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
		s.State, s.PID, s.UptimeSeconds = transport.StateRunning, 2000+f.callsOn(name), 0
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
		dropped := f.dropped
		s.Dropped = func() bool { return dropped }
	}
	return s, nil
}

// Signal accepts the signals config.NormalizeSignal knows, as superd
// does, for a running service only.
func (f *fakeBackend) Signal(ctx context.Context, name, sig string) (transport.ServiceStatus, error) {
	st, err := f.do(ctx, "signal", name, nil)
	if err != nil {
		return st, err
	}
	if _, err := config.NormalizeSignal(sig); err != nil {
		return transport.ServiceStatus{}, fmt.Errorf("%w: unknown signal %q", transport.ErrInvalidArgument, sig)
	}
	if st.State != transport.StateRunning {
		return transport.ServiceStatus{}, fmt.Errorf("%w: %s is not running", transport.ErrConflict, name)
	}
	return st, nil
}

// Logs answers the last q.Tail lines of f.logs["name stream"] and, with
// q.Follow, what the test sends on f.logLive.
func (f *fakeBackend) Logs(ctx context.Context, name string, q transport.LogQuery) (io.ReadCloser, error) {
	if _, err := f.do(ctx, fmt.Sprintf("logs stream=%s tail=%d follow=%t", q.Stream, q.Tail, q.Follow), name, nil); err != nil {
		return nil, err
	}
	f.mu.Lock()
	text, live := f.logs[name+" "+q.Stream], f.logLive
	if l, ok := f.logLiveOf[name+" "+q.Stream]; ok {
		live = l
	} else if l, ok := f.logLiveOf[name]; ok {
		live = l
	}
	f.mu.Unlock()
	lines := strings.SplitAfter(text, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if q.Tail >= 0 && q.Tail < len(lines) {
		lines = lines[len(lines)-q.Tail:]
	}
	r := &chanReader{ctx: ctx, pending: strings.Join(lines, "")}
	if q.Follow {
		r.live = live
	}
	return io.NopCloser(r), nil
}

// chanReader reads pending, then each string received from live until it
// is closed (or at once when live is nil); a Read waiting for live returns
// when ctx ends.
type chanReader struct {
	ctx     context.Context
	pending string
	live    <-chan string
}

func (r *chanReader) Read(p []byte) (int, error) {
	for r.pending == "" {
		if r.live == nil {
			return 0, io.EOF
		}
		select {
		case s, ok := <-r.live:
			if !ok {
				return 0, io.EOF
			}
			r.pending = s
		case <-r.ctx.Done():
			return 0, r.ctx.Err()
		}
	}
	n := copy(p, r.pending)
	r.pending = r.pending[n:]
	return n, nil
}

// defFile is where the fake's definitions live.
func defFile(name string) string { return "/etc/super/" + name + config.FileSuffix }

func (f *fakeBackend) Definition(ctx context.Context, name string) (transport.Definition, error) {
	if _, err := f.do(ctx, "definition", name, nil); err != nil && !errors.Is(err, transport.ErrUnknownService) {
		return transport.Definition{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	text, ok := f.defs[name]
	if !ok {
		return transport.Definition{}, fmt.Errorf("%w %q (no file %s)", transport.ErrUnknownService, name, defFile(name))
	}
	return transport.Definition{Name: name, File: defFile(name), Hash: config.ContentHash([]byte(text)), Text: text}, nil
}

// PutDefinition validates data with package config, as superd does, and
// refuses a service running as root with ErrForbidden.
func (f *fakeBackend) PutDefinition(ctx context.Context, name string, data []byte, opts transport.WriteOptions) (transport.DefinitionResult, error) {
	if err := f.startWrite(ctx, "put", name, opts); err != nil {
		return transport.DefinitionResult{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	cur, exists := f.defs[name]
	if err := checkIfMatch(name, cur, exists, opts.IfMatch); err != nil {
		return transport.DefinitionResult{}, err
	}
	spec, err := config.Parse(name, defFile(name), data)
	if err != nil {
		return transport.DefinitionResult{}, &transport.InvalidDefinitionError{Name: name, Errors: fileErrors(defFile(name), err)}
	}
	if spec.User == "root" {
		return transport.DefinitionResult{}, fmt.Errorf("%w: %s would run as root", transport.ErrForbidden, name)
	}
	f.defs[name] = string(data)
	res := transport.DefinitionResult{Name: name, Action: transport.ActionUpdated, Hash: config.ContentHash(data)}
	switch {
	case !exists:
		res.Action = transport.ActionCreated
		f.services[name] = transport.ServiceStatus{Name: name, State: transport.StateStopped}
	case cur == string(data):
		res.Action = transport.ActionUnchanged
	}
	return res, nil
}

func (f *fakeBackend) DeleteDefinition(ctx context.Context, name string, opts transport.WriteOptions) (transport.DefinitionResult, error) {
	if err := f.startWrite(ctx, "delete", name, opts); err != nil {
		return transport.DefinitionResult{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	cur, ok := f.defs[name]
	if !ok {
		return transport.DefinitionResult{}, fmt.Errorf("%w %q", transport.ErrUnknownService, name)
	}
	if err := checkIfMatch(name, cur, ok, opts.IfMatch); err != nil {
		return transport.DefinitionResult{}, err
	}
	delete(f.defs, name)
	delete(f.services, name)
	return transport.DefinitionResult{Name: name, Action: transport.ActionDeleted, Trash: "/etc/super/.trash/" + name + ".service.20261126T010203"}, nil
}

// startWrite records a definition write, runs f.beforeWrite and returns
// the error f.errs has for name, if any.
func (f *fakeBackend) startWrite(ctx context.Context, op, name string, opts transport.WriteOptions) error {
	f.mu.Lock()
	f.writes = append(f.writes, opts)
	hook := f.beforeWrite
	f.mu.Unlock()
	if hook != nil {
		hook(f, name)
	}
	if _, err := f.do(ctx, op, name, nil); err != nil && !errors.Is(err, transport.ErrUnknownService) {
		return err
	}
	return nil
}

// checkIfMatch applies If-Match as superd does.
func checkIfMatch(name, cur string, exists bool, ifMatch string) error {
	switch {
	case ifMatch == "":
		return nil
	case !exists:
		return fmt.Errorf("%w: %s has no definition (If-Match %q)", transport.ErrPreconditionFailed, name, ifMatch)
	case ifMatch != "*" && ifMatch != config.ContentHash([]byte(cur)):
		return fmt.Errorf("%w: %s has hash %s, not %s", transport.ErrPreconditionFailed, name, config.ContentHash([]byte(cur)), ifMatch)
	}
	return nil
}

// def returns the service file of name, if any.
func (f *fakeBackend) def(name string) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	text, ok := f.defs[name]
	return text, ok
}

// writeLog returns the options of each definition write so far.
func (f *fakeBackend) writeLog() []transport.WriteOptions {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.writes)
}

// resetCalls empties the call log.
func (f *fakeBackend) resetCalls() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = nil
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
	return serveDaemonAt(t, h, filepath.Join(shortTempDir(t), "superd.sock"))
}

// serveDaemonAt is serveDaemon on the socket path.
func serveDaemonAt(t *testing.T, h http.Handler, path string) string {
	t.Helper()
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
	code := run(t.Context(), args, nil, &stdout, &stderr, func(k string) string { return env[k] })
	return result{stdout: stdout.String(), stderr: stderr.String(), code: code}
}

// runAgainst runs supers with --socket pointing at socket.
func runAgainst(t *testing.T, socket string, args ...string) result {
	t.Helper()
	return runCLI(t, nil, append([]string{"--socket", socket}, args...)...)
}
