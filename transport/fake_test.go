package transport

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/supers-dev/supers/notify"
)

// fakeBackend is an in-memory Backend. Services in errs fail with that
// error; block makes every call wait for its context.
type fakeBackend struct {
	mu       sync.Mutex
	services map[string]ServiceStatus
	errs     map[string]error // by service name ("" for the requests about no service)
	cfgErrs  []ConfigError
	reload   ReloadResult  // what Reload answers
	check    []ConfigError // what CheckConfig answers
	calls    []string      // "op name"
	block    bool
	panicOn  string
	ctxErrs  chan error        // receives ctx.Err() of blocked calls once they return
	history  []notify.Event    // what Events answers, before filtering
	live     chan notify.Event // Events' Live when following
	dropped  bool              // what Events' Dropped reports
	logText  string            // the log Logs answers by default (both streams)
	// logReader, when set, replaces the default Logs answer.
	logReader func(ctx context.Context, name string, q LogQuery) (io.ReadCloser, error)
	defs      map[string]string       // definitions by service name
	lastWrite map[string]WriteOptions // the options of the last write, by name
}

func newFakeBackend(names ...string) *fakeBackend {
	f := &fakeBackend{services: map[string]ServiceStatus{}, errs: map[string]error{}, ctxErrs: make(chan error, 16),
		defs: map[string]string{}, lastWrite: map[string]WriteOptions{}}
	for _, n := range names {
		f.services[n] = ServiceStatus{Name: n, State: StateStopped, Description: "the " + n + " service"}
	}
	return f
}

func (f *fakeBackend) record(ctx context.Context, op, name string) error {
	f.mu.Lock()
	f.calls = append(f.calls, op+" "+name)
	block, panicOn := f.block, f.panicOn
	err, ok := f.errs[name]
	f.mu.Unlock()
	if panicOn == op {
		panic("fake backend panics in " + op)
	}
	if block {
		<-ctx.Done()
		f.ctxErrs <- ctx.Err()
		return fmt.Errorf("%s %s: %w", op, name, ctx.Err())
	}
	if ok {
		return err
	}
	return nil
}

func (f *fakeBackend) lookup(name string) (ServiceStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	st, ok := f.services[name]
	if !ok {
		return ServiceStatus{}, fmt.Errorf("%w %q", ErrUnknownService, name)
	}
	return st, nil
}

func (f *fakeBackend) set(name string, mutate func(*ServiceStatus)) ServiceStatus {
	f.mu.Lock()
	defer f.mu.Unlock()
	st := f.services[name]
	mutate(&st)
	f.services[name] = st
	return st
}

func (f *fakeBackend) List(ctx context.Context) ([]ServiceStatus, error) {
	if err := f.record(ctx, "list", ""); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []ServiceStatus
	for _, st := range f.services {
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (f *fakeBackend) Status(ctx context.Context, name string) (ServiceStatus, error) {
	if err := f.record(ctx, "status", name); err != nil {
		return ServiceStatus{}, err
	}
	return f.lookup(name)
}

func (f *fakeBackend) Start(ctx context.Context, name string) (ServiceStatus, error) {
	if err := f.record(ctx, "start", name); err != nil {
		return ServiceStatus{}, err
	}
	if _, err := f.lookup(name); err != nil {
		return ServiceStatus{}, err
	}
	return f.set(name, func(st *ServiceStatus) {
		now := time.Now()
		st.State, st.PID, st.StartedAt = StateRunning, 4242, &now
	}), nil
}

func (f *fakeBackend) Stop(ctx context.Context, name string) (ServiceStatus, error) {
	if err := f.record(ctx, "stop", name); err != nil {
		return ServiceStatus{}, err
	}
	if _, err := f.lookup(name); err != nil {
		return ServiceStatus{}, err
	}
	return f.set(name, func(st *ServiceStatus) {
		st.State, st.PID, st.StartedAt = StateStopped, 0, nil
		st.LastExit = &ExitInfo{Signal: "SIGTERM", Time: time.Now(), Expected: true}
	}), nil
}

func (f *fakeBackend) Restart(ctx context.Context, name string) (ServiceStatus, error) {
	if err := f.record(ctx, "restart", name); err != nil {
		return ServiceStatus{}, err
	}
	if _, err := f.lookup(name); err != nil {
		return ServiceStatus{}, err
	}
	return f.set(name, func(st *ServiceStatus) {
		now := time.Now()
		st.State, st.PID, st.StartedAt = StateRunning, 4343, &now
		st.Restarts++
	}), nil
}

func (f *fakeBackend) ConfigErrors(ctx context.Context) ([]ConfigError, error) {
	if err := f.record(ctx, "config-errors", ""); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]ConfigError(nil), f.cfgErrs...), nil
}

func (f *fakeBackend) Reload(ctx context.Context) (ReloadResult, error) {
	if err := f.record(ctx, "reload", ""); err != nil {
		return ReloadResult{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.reload, nil
}

func (f *fakeBackend) CheckConfig(ctx context.Context) ([]ConfigError, error) {
	if err := f.record(ctx, "check", ""); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]ConfigError(nil), f.check...), nil
}

func (f *fakeBackend) callLog() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

// Events answers f.history filtered by service and, with follow, f.live as
// Live; the test closes f.live to end the stream. A name with a space or a
// slash is invalid.
func (f *fakeBackend) Events(ctx context.Context, service string, follow bool) (EventStream, error) {
	if err := f.record(ctx, "events", fmt.Sprintf("%s follow=%t", service, follow)); err != nil {
		return EventStream{}, err
	}
	if strings.ContainsAny(service, " /") {
		return EventStream{}, fmt.Errorf("%w: invalid service name %q", ErrInvalidArgument, service)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var s EventStream
	for _, e := range f.history {
		if service == "" || e.Service == service {
			s.History = append(s.History, e)
		}
	}
	if follow {
		s.Live = f.live
		s.Dropped = func() bool {
			f.mu.Lock()
			defer f.mu.Unlock()
			return f.dropped
		}
	}
	return s, nil
}

// Signal accepts HUP, SIGHUP, TERM, USR1 and 9 (case-insensitive), for a
// running service only.
func (f *fakeBackend) Signal(ctx context.Context, name, sig string) (ServiceStatus, error) {
	if err := f.record(ctx, "signal", name+" "+sig); err != nil {
		return ServiceStatus{}, err
	}
	st, err := f.lookup(name)
	if err != nil {
		return ServiceStatus{}, err
	}
	switch strings.ToUpper(sig) {
	case "HUP", "SIGHUP", "TERM", "USR1", "9":
	default:
		return ServiceStatus{}, fmt.Errorf("%w: unknown signal %q", ErrInvalidArgument, sig)
	}
	if st.State != StateRunning {
		return ServiceStatus{}, fmt.Errorf("%w: %s is not running", ErrConflict, name)
	}
	return st, nil
}

// Logs answers f.logReader's reader, or else the last q.Tail lines of
// f.logText.
func (f *fakeBackend) Logs(ctx context.Context, name string, q LogQuery) (io.ReadCloser, error) {
	if err := f.record(ctx, "logs", fmt.Sprintf("%s stream=%s tail=%d follow=%t", name, q.Stream, q.Tail, q.Follow)); err != nil {
		return nil, err
	}
	if _, err := f.lookup(name); err != nil {
		return nil, err
	}
	f.mu.Lock()
	text, reader := f.logText, f.logReader
	f.mu.Unlock()
	if reader != nil {
		return reader(ctx, name, q)
	}
	lines := strings.SplitAfter(text, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if q.Tail >= 0 && q.Tail < len(lines) {
		lines = lines[len(lines)-q.Tail:]
	}
	return io.NopCloser(strings.NewReader(strings.Join(lines, ""))), nil
}

// fakeHash is the fake's content hash: the length and the text.
func fakeHash(text string) string { return fmt.Sprintf("%d-%x", len(text), text) }

func (f *fakeBackend) Definition(ctx context.Context, name string) (Definition, error) {
	if err := f.record(ctx, "definition", name); err != nil {
		return Definition{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	text, ok := f.defs[name]
	if !ok {
		return Definition{}, fmt.Errorf("%w %q", ErrUnknownService, name)
	}
	return Definition{Name: name, File: "/etc/super/" + name + ".service", Hash: fakeHash(text), Text: text}, nil
}

// PutDefinition refuses a text containing "invalid" with one config error.
func (f *fakeBackend) PutDefinition(ctx context.Context, name string, data []byte, opts WriteOptions) (DefinitionResult, error) {
	if err := f.record(ctx, "put", name); err != nil {
		return DefinitionResult{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastWrite[name] = opts
	cur, exists := f.defs[name]
	if opts.IfMatch != "" && (!exists || opts.IfMatch != "*" && opts.IfMatch != fakeHash(cur)) {
		return DefinitionResult{}, fmt.Errorf("%w: changed", ErrPreconditionFailed)
	}
	if strings.Contains(string(data), "invalid") {
		file := "/etc/super/" + name + ".service"
		return DefinitionResult{}, &InvalidDefinitionError{Name: name, Errors: []ConfigError{{File: file, Line: 2, Message: file + ":2: [Service] Restart: invalid value"}}}
	}
	f.defs[name] = string(data)
	res := DefinitionResult{Name: name, Action: ActionUpdated, Hash: fakeHash(string(data))}
	switch {
	case !exists:
		res.Action = ActionCreated
	case cur == string(data):
		res.Action = ActionUnchanged
	}
	return res, nil
}

func (f *fakeBackend) DeleteDefinition(ctx context.Context, name string, opts WriteOptions) (DefinitionResult, error) {
	if err := f.record(ctx, "delete", name); err != nil {
		return DefinitionResult{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastWrite[name] = opts
	cur, ok := f.defs[name]
	if !ok {
		return DefinitionResult{}, fmt.Errorf("%w %q", ErrUnknownService, name)
	}
	if opts.IfMatch != "" && opts.IfMatch != "*" && opts.IfMatch != fakeHash(cur) {
		return DefinitionResult{}, fmt.Errorf("%w: changed", ErrPreconditionFailed)
	}
	delete(f.defs, name)
	return DefinitionResult{Name: name, Action: ActionDeleted, Trash: "/etc/super/.trash/" + name + ".service.x"}, nil
}
