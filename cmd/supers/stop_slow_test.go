package main

import (
	"context"
	"strings"
	"testing"

	"github.com/supers-dev/supers/transport"
)

// slowStop is a superd whose stops outlast --timeout: Stop waits for its
// context, and Status says the service is stopping.
type slowStop struct{ *fakeBackend }

func (s slowStop) Stop(ctx context.Context, _ string) (transport.ServiceStatus, error) {
	<-ctx.Done()
	return transport.ServiceStatus{}, ctx.Err()
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

// A superd that answers nothing at all is still reported as such.
func TestStopTimeoutWithoutAnswer(t *testing.T) {
	fb := fixture()
	fb.block = true
	r := runAgainst(t, startDaemon(t, fb), "--timeout", "100ms", "stop", "web")
	if r.code != exitError || !strings.Contains(r.stderr, "no answer from superd") {
		t.Errorf("code %d, stderr %q", r.code, r.stderr)
	}
}
