package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/supers-dev/supers/transport"
)

// slowStop is a superd whose stops outlast --timeout: Stop waits for its
// context, and Status says the service is stopping. A start, which waits
// for the stop in progress, waits too.
type slowStop struct{ *fakeBackend }

func (s slowStop) Stop(ctx context.Context, _ string) (transport.ServiceStatus, error) {
	<-ctx.Done()
	return transport.ServiceStatus{}, ctx.Err()
}

func (s slowStop) Start(ctx context.Context, name string) (transport.ServiceStatus, error) {
	return s.Stop(ctx, name)
}

func (s slowStop) Status(_ context.Context, name string) (transport.ServiceStatus, error) {
	return transport.ServiceStatus{Name: name, State: transport.StateStopping, PID: 42}, nil
}

// A stop that takes longer than --timeout (a long TimeoutStopSec) is told
// apart from a superd that does not answer: superd is still stopping the
// service. The exit code is still 1.
func TestStopStillStoppingAfterTimeout(t *testing.T) {
	r := runAgainst(t, startDaemon(t, slowStop{fixture()}), "--timeout", "100ms", "stop", "web")
	if r.code != exitError || !strings.Contains(r.stderr, "stop web: still stopping after 100ms") {
		t.Errorf("code %d, stderr %q", r.code, r.stderr)
	}
	if strings.Contains(r.stderr, "no answer from superd") {
		t.Errorf("a slow stop reported as a superd that does not answer: %q", r.stderr)
	}
}

// A start of a service still stopping (it starts once the stop ends) is
// told apart in the same way: it said superd did not answer.
func TestStartWhileStillStoppingAfterTimeout(t *testing.T) {
	r := runAgainst(t, startDaemon(t, slowStop{fixture()}), "--timeout", "100ms", "start", "web")
	if r.code != exitError || !strings.Contains(r.stderr, "start web: still stopping after 100ms") {
		t.Errorf("code %d, stderr %q", r.code, r.stderr)
	}
}

// A superd that answers nothing at all is still reported as such.
func TestStopTimeoutWithoutAnswer(t *testing.T) {
	fb := fixture()
	fb.block = true
	r := runAgainst(t, startDaemon(t, fb), "--timeout", "100ms", "stop", "web")
	if r.code != exitError || !strings.Contains(r.stderr, "no answer from superd") {
		t.Errorf("code %d, stderr %q", r.code, r.stderr)
	}
}

// --timeout given is seen as given whichever parser reads the command line
// (kong here, for the "--"): it bounds the stop.
func TestStopGivenTimeoutKong(t *testing.T) {
	args := []string{"stop", "--timeout", "100ms", "--", "web"}
	if _, ok := parseQuick(args); ok {
		t.Fatalf("%q: parseQuick took it, the test needs kong", args)
	}
	done := make(chan result, 1)
	sock := startDaemon(t, slowStop{fixture()})
	go func() { done <- runAgainst(t, sock, args...) }()
	select {
	case r := <-done:
		if r.code != exitError || !strings.Contains(r.stderr, "stop web: still stopping after 100ms") {
			t.Errorf("code %d, stderr %q", r.code, r.stderr)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("supers stop --timeout 100ms still waits after 20s")
	}
}

// A negative --timeout is a usage error, not a silent "wait forever".
func TestNegativeTimeout(t *testing.T) {
	sock := startDaemon(t, fixture())
	for _, args := range [][]string{{"--timeout=-5s", "status"}, {"--timeout=-1ms", "events"}} {
		r := runAgainst(t, sock, args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, "--timeout: -5s is negative") && !strings.Contains(r.stderr, "--timeout: -1ms is negative") {
			t.Errorf("%q: code %d, stderr %q", args, r.code, r.stderr)
		}
	}
}

// Without --timeout given, a superd that answers nothing, not even the
// status requests that would show a stop under way, is still given up on
// once --timeout (its default) passes.
func TestStopDefaultTimeoutWithoutAnswer(t *testing.T) {
	fb := fixture()
	fb.block = true
	sock := startDaemon(t, fb)
	var out, errb bytes.Buffer
	a := &app{stdout: &out, stderr: &errb, client: transport.NewClient(sock), target: sock,
		timeout: 200 * time.Millisecond, getenv: func(string) string { return "" }}
	done := make(chan error, 1)
	go func() {
		done <- a.act(context.Background(), "stop", a.client.Stop, serviceNames{Names: []string{"web"}})
	}()
	select {
	case err := <-done:
		var status exitStatus
		if !errors.As(err, &status) || status != exitError || !strings.Contains(errb.String(), "no answer from superd") {
			t.Errorf("err %v, stderr %q", err, errb.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("stop still waits for a superd that answers nothing after 20s")
	}
}

// Without --timeout given, a stop goes on for as long as superd says the
// service is stopping, and its answer is taken when it comes.
func TestStopDefaultTimeoutWaitsWhileStopping(t *testing.T) {
	sock := startDaemon(t, &stoppingFor{fakeBackend: fixture(), until: time.Now().Add(2 * time.Second), stopped: make(chan struct{})})
	var out, errb bytes.Buffer
	a := &app{stdout: &out, stderr: &errb, client: transport.NewClient(sock), target: sock,
		timeout: 500 * time.Millisecond, getenv: func(string) string { return "" }}
	if err := a.act(context.Background(), "stop", a.client.Stop, serviceNames{Names: []string{"web"}}); err != nil || !strings.Contains(out.String(), "stopped") {
		t.Errorf("err %v, stdout %q, stderr %q", err, out.String(), errb.String())
	}
}

// stoppingFor is a superd whose one stop takes until until: Status says
// the service is stopping until Stop has answered.
type stoppingFor struct {
	*fakeBackend
	until   time.Time
	stopped chan struct{} // closed once Stop answers
}

func (s *stoppingFor) Stop(ctx context.Context, name string) (transport.ServiceStatus, error) {
	select {
	case <-time.After(time.Until(s.until)):
		close(s.stopped)
		return transport.ServiceStatus{Name: name, State: transport.StateStopped}, nil
	case <-ctx.Done():
		return transport.ServiceStatus{}, ctx.Err()
	}
}

func (s *stoppingFor) Status(_ context.Context, name string) (transport.ServiceStatus, error) {
	select {
	case <-s.stopped:
		return transport.ServiceStatus{Name: name, State: transport.StateStopped}, nil
	default:
		return transport.ServiceStatus{Name: name, State: transport.StateStopping, PID: 42}, nil
	}
}

// A stop whose answer comes a little after the status already shows the
// service stopped (superd writes the operator's intent to its state file
// before it answers) is waited for: the CLI used to cut it at the poll that
// saw "stopped", with "no answer from superd" (seen in CI with the real
// superd).
func TestStopDefaultTimeoutWaitsForALateAnswer(t *testing.T) {
	until := time.Now().Add(1200 * time.Millisecond)
	sock := startDaemon(t, &answersLate{fakeBackend: fixture(), until: until, answer: until.Add(400 * time.Millisecond)})
	var out, errb bytes.Buffer
	a := &app{stdout: &out, stderr: &errb, client: transport.NewClient(sock), target: sock,
		timeout: 500 * time.Millisecond, getenv: func(string) string { return "" }}
	if err := a.act(context.Background(), "stop", a.client.Stop, serviceNames{Names: []string{"web"}}); err != nil || !strings.Contains(out.String(), "stopped") {
		t.Errorf("err %v, stdout %q, stderr %q", err, out.String(), errb.String())
	}
}

// answersLate is a superd whose one stop shows the service stopping until
// until, stopped after it, and answers at answer.
type answersLate struct {
	*fakeBackend
	until, answer time.Time
}

func (s *answersLate) Stop(ctx context.Context, name string) (transport.ServiceStatus, error) {
	select {
	case <-time.After(time.Until(s.answer)):
		return transport.ServiceStatus{Name: name, State: transport.StateStopped}, nil
	case <-ctx.Done():
		return transport.ServiceStatus{}, ctx.Err()
	}
}

func (s *answersLate) Status(_ context.Context, name string) (transport.ServiceStatus, error) {
	if time.Now().Before(s.until) {
		return transport.ServiceStatus{Name: name, State: transport.StateStopping, PID: 42}, nil
	}
	return transport.ServiceStatus{Name: name, State: transport.StateStopped}, nil
}

// With several names and a superd that answers nothing, the command ends
// about --timeout later, not --timeout plus a probe per name (told "is it
// still stopping?" one name after the other: 500ms and 6 names took 3.5s).
func TestStopTimeoutWithoutAnswerSeveralNames(t *testing.T) {
	fb := fixture()
	fb.block = true
	socket := startDaemon(t, fb)
	names := []string{"web", "db", "idle", "a", "b", "c"}
	start := time.Now()
	r := runAgainst(t, socket, append([]string{"--timeout", "500ms", "stop"}, names...)...)
	took := time.Since(start)
	if r.code != exitError || strings.Count(r.stderr, "no answer from superd") != len(names) {
		t.Errorf("code %d, stderr %q", r.code, r.stderr)
	}
	// 500ms, then the probes, at most 500ms, all at once; the bound
	// leaves room for a loaded machine and is well under the 3.5s of
	// probes made one after the other.
	if took > 2500*time.Millisecond {
		t.Errorf("the stop of %d names against a silent superd took %v", len(names), took)
	}
}

// startingFor is a superd that, until until, is still starting: it stops
// what a crashed superd left running (up to their TimeoutStopSec), answers
// every query at once with a 503 saying so, and holds the commands until
// then.
type startingFor struct {
	*fakeBackend
	until time.Time
}

// errStarting is what superd answers a query while it is starting.
type errStarting struct{}

func (errStarting) Error() string {
	return "superd is starting: it is stopping the processes a previous superd left running"
}

func (errStarting) Is(target error) bool { return target == transport.ErrUnavailable }

func (s *startingFor) Stop(ctx context.Context, name string) (transport.ServiceStatus, error) {
	select {
	case <-time.After(time.Until(s.until)):
		return transport.ServiceStatus{Name: name, State: transport.StateStopped}, nil
	case <-ctx.Done():
		return transport.ServiceStatus{}, ctx.Err()
	}
}

func (s *startingFor) Status(_ context.Context, name string) (transport.ServiceStatus, error) {
	if time.Now().Before(s.until) {
		return transport.ServiceStatus{}, errStarting{}
	}
	return transport.ServiceStatus{Name: name, State: transport.StateStopped}, nil
}

// Without --timeout given, a stop sent while superd is still starting
// (stopping, within their TimeoutStopSec, what a crashed superd left) waits
// for it, as README.md says commands do then: superd says it is busy, and
// is not a superd that does not answer. supers stop said "no answer from
// superd ... within 30s" after 30 s of a 45 s start.
func TestStopDefaultTimeoutWaitsWhileSuperdStarts(t *testing.T) {
	sock := startDaemon(t, &startingFor{fakeBackend: fixture(), until: time.Now().Add(2 * time.Second)})
	var out, errb bytes.Buffer
	a := &app{stdout: &out, stderr: &errb, client: transport.NewClient(sock), target: sock,
		timeout: 500 * time.Millisecond, getenv: func(string) string { return "" }}
	if err := a.act(context.Background(), "stop", a.client.Stop, serviceNames{Names: []string{"web"}}); err != nil || !strings.Contains(out.String(), "stopped") {
		t.Errorf("err %v, stdout %q, stderr %q", err, out.String(), errb.String())
	}
}

// With --timeout given, a stop that superd still holds when it passes
// because superd is starting is reported with what superd says, not as a
// superd that does not answer (which invites killing a superd that is
// doing its job).
func TestStopGivenTimeoutWhileSuperdStarts(t *testing.T) {
	sock := startDaemon(t, &startingFor{fakeBackend: fixture(), until: time.Now().Add(time.Minute)})
	r := runAgainst(t, sock, "--timeout", "500ms", "stop", "web")
	if r.code != exitError || !strings.Contains(r.stderr, "stop web: not done within 500ms: superd is starting") {
		t.Errorf("code %d, stderr %q", r.code, r.stderr)
	}
	if strings.Contains(r.stderr, "no answer from superd") {
		t.Errorf("a superd that is starting reported as one that does not answer: %q", r.stderr)
	}
}

// held waits until s has started, as superd holds a command meanwhile.
func (s *startingFor) held(ctx context.Context) error {
	select {
	case <-time.After(time.Until(s.until)):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *startingFor) ConfigErrors(ctx context.Context) ([]transport.ConfigError, error) {
	if time.Now().Before(s.until) {
		return nil, errStarting{}
	}
	return s.fakeBackend.ConfigErrors(ctx)
}

func (s *startingFor) Reload(ctx context.Context) (transport.ReloadResult, error) {
	if err := s.held(ctx); err != nil {
		return transport.ReloadResult{}, err
	}
	return s.fakeBackend.Reload(ctx)
}

func (s *startingFor) CheckConfig(ctx context.Context) ([]transport.ConfigError, error) {
	if err := s.held(ctx); err != nil {
		return nil, err
	}
	return s.fakeBackend.CheckConfig(ctx)
}

func (s *startingFor) Signal(ctx context.Context, name, sig string) (transport.ServiceStatus, error) {
	if err := s.held(ctx); err != nil {
		return transport.ServiceStatus{}, err
	}
	return s.fakeBackend.Signal(ctx, name, sig)
}

func (s *startingFor) PutDefinition(ctx context.Context, name string, data []byte, opts transport.WriteOptions) (transport.DefinitionResult, error) {
	if err := s.held(ctx); err != nil {
		return transport.DefinitionResult{}, err
	}
	return s.fakeBackend.PutDefinition(ctx, name, data, opts)
}

func (s *startingFor) DeleteDefinition(ctx context.Context, name string, opts transport.WriteOptions) (transport.DefinitionResult, error) {
	if err := s.held(ctx); err != nil {
		return transport.DefinitionResult{}, err
	}
	return s.fakeBackend.DeleteDefinition(ctx, name, opts)
}

// Without --timeout given, the other commands superd holds while it is
// starting (reload, check, signal, apply, rm) wait for it too, as start,
// stop and restart do: "supers reload" sent during a 45 s start said "no
// answer from superd ... within 30s".
func TestCommandsDefaultTimeoutWaitWhileSuperdStarts(t *testing.T) {
	file := filepath.Join(t.TempDir(), "api.service")
	if err := os.WriteFile(file, []byte("[Service]\nExecStart=/bin/true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		cmd  runner
	}{
		{"reload", &reloadCmd{}},
		{"check", &checkCmd{}},
		{"signal", &signalCmd{Name: "web", Signal: "HUP"}},
		{"apply", &applyCmd{Files: []string{file}}},
		{"rm", &rmCmd{Names: []string{"web"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fb := fixture()
			fb.defs["web"] = "[Service]\nExecStart=/bin/sleep 1000\n"
			sock := startDaemon(t, &startingFor{fakeBackend: fb, until: time.Now().Add(2 * time.Second)})
			var out, errb bytes.Buffer
			a := &app{stdout: &out, stderr: &errb, client: transport.NewClient(sock), target: sock,
				timeout: 500 * time.Millisecond, getenv: func(string) string { return "" }}
			if err := tc.cmd.Run(context.Background(), a); err != nil {
				t.Errorf("err %v, stdout %q, stderr %q", err, out.String(), errb.String())
			}
		})
	}
}

func (s *startingFor) List(ctx context.Context) ([]transport.ServiceStatus, error) {
	if time.Now().Before(s.until) {
		return nil, errStarting{}
	}
	return s.fakeBackend.List(ctx)
}

// Without --timeout given, start, stop and restart of --all or of a
// pattern wait while superd is starting, as they do for a name: superd
// answers the list of its services with a 503 then. "supers stop --all"
// failed at once ("superd is starting: ...", exit 1) where "supers stop
// web" waited and stopped it.
func TestActAllDefaultTimeoutWaitsWhileSuperdStarts(t *testing.T) {
	for _, tc := range []struct {
		name string
		args serviceNames
	}{
		{"all", serviceNames{All: true}},
		{"pattern", serviceNames{Names: []string{"w*"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sock := startDaemon(t, &startingFor{fakeBackend: fixture(), until: time.Now().Add(2 * time.Second)})
			var out, errb bytes.Buffer
			a := &app{stdout: &out, stderr: &errb, client: transport.NewClient(sock), target: sock,
				timeout: 500 * time.Millisecond, getenv: func(string) string { return "" }}
			if err := a.act(context.Background(), "stop", a.client.Stop, tc.args); err != nil || !strings.Contains(out.String(), "web ") {
				t.Errorf("err %v, stdout %q, stderr %q", err, out.String(), errb.String())
			}
		})
	}
}

// With --timeout given, --all while superd is starting past it is
// reported with what superd says, as for a name.
func TestActAllGivenTimeoutWhileSuperdStarts(t *testing.T) {
	sock := startDaemon(t, &startingFor{fakeBackend: fixture(), until: time.Now().Add(time.Minute)})
	start := time.Now()
	r := runAgainst(t, sock, "--timeout", "500ms", "stop", "--all")
	if r.code != exitError || !strings.Contains(r.stderr, "stop: not done within 500ms: superd is starting") {
		t.Errorf("code %d, stderr %q", r.code, r.stderr)
	}
	if took := time.Since(start); took < 500*time.Millisecond {
		t.Errorf("gave up after %v, before --timeout", took)
	}
}

// status of a pattern is a query: superd starting is said at once, as for
// a name.
func TestStatusPatternWhileSuperdStarts(t *testing.T) {
	sock := startDaemon(t, &startingFor{fakeBackend: fixture(), until: time.Now().Add(time.Minute)})
	r := runAgainst(t, sock, "--timeout", "10s", "status", "w*")
	if r.code != exitError || !strings.Contains(r.stderr, "superd is starting") {
		t.Errorf("code %d, stderr %q", r.code, r.stderr)
	}
}

// With --timeout given, the other commands superd holds while it is
// starting (reload, check, signal, apply, rm) are reported with what
// superd says when it passes, as start, stop and restart are: they said
// "no answer from superd ... within 500ms", which reads as a frozen superd
// and invites killing one that is doing its job.
func TestCommandsGivenTimeoutWhileSuperdStarts(t *testing.T) {
	file := filepath.Join(t.TempDir(), "api.service")
	if err := os.WriteFile(file, []byte("[Service]\nExecStart=/bin/true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"reload", []string{"reload"}, "supers: not done within 500ms: superd is starting"},
		{"check", []string{"check"}, "supers: not done within 500ms: superd is starting"},
		{"signal", []string{"signal", "web", "HUP"}, "supers: signal web: not done within 500ms: superd is starting"},
		{"apply", []string{"apply", file}, "supers: apply " + file + ": not done within 500ms: superd is starting"},
		{"rm", []string{"rm", "web"}, "supers: rm web: not done within 500ms: superd is starting"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fb := fixture()
			fb.defs["web"] = "[Service]\nExecStart=/bin/sleep 1000\n"
			sock := startDaemon(t, &startingFor{fakeBackend: fb, until: time.Now().Add(time.Minute)})
			r := runAgainst(t, sock, append([]string{"--timeout", "500ms"}, tc.args...)...)
			if r.code != exitError || !strings.Contains(r.stderr, tc.want) || strings.Contains(r.stderr, "no answer from superd") {
				t.Errorf("code %d, stderr %q, want %q", r.code, r.stderr, tc.want)
			}
		})
	}
}
