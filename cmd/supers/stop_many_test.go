package main

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/supers-dev/supers/transport"
)

// atOnceBackend answers each stop once every one of want stops is under
// way, or after a while if they never all are, and records how many were
// under way at most.
type atOnceBackend struct {
	*fakeBackend
	want int

	mu       sync.Mutex
	inFlight int
	most     int
	all      chan struct{}
}

func (b *atOnceBackend) Stop(ctx context.Context, name string) (transport.ServiceStatus, error) {
	b.mu.Lock()
	b.inFlight++
	b.most = max(b.most, b.inFlight)
	if b.inFlight == b.want {
		close(b.all)
	}
	b.mu.Unlock()
	select {
	case <-b.all:
	case <-time.After(2 * time.Second):
	case <-ctx.Done():
	}
	b.mu.Lock()
	b.inFlight--
	b.mu.Unlock()
	return b.fakeBackend.Stop(ctx, name)
}

// supers stop of many services sends every stop at once, as systemctl
// queues every job: 16 at a time, 500 services that each take their whole
// TimeoutStopSec to stop took 32 times as long as one.
func TestStopManyStopsThemAllAtOnce(t *testing.T) {
	const n = 100
	var svcs []transport.ServiceStatus
	var names []string
	for i := range n {
		name := fmt.Sprintf("s%03d", i)
		names = append(names, name)
		svcs = append(svcs, transport.ServiceStatus{Name: name, State: transport.StateRunning, PID: 1000 + i})
	}
	b := &atOnceBackend{fakeBackend: newFakeBackend(svcs...), want: n, all: make(chan struct{})}
	socket := startDaemon(t, b)
	res := runAgainst(t, socket, append([]string{"stop"}, names...)...)
	if res.code != 0 {
		t.Fatalf("stop of %d services: exit %d\n%s", n, res.code, res.stderr)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.most != n {
		t.Errorf("at most %d stops under way at once, want all %d", b.most, n)
	}
}
