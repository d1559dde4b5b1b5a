package transport

import (
	"context"
	"fmt"
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
}

func newFakeBackend(names ...string) *fakeBackend {
	f := &fakeBackend{services: map[string]ServiceStatus{}, errs: map[string]error{}, ctxErrs: make(chan error, 16)}
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
	}
	return s, nil
}
