package main

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/supers-dev/supers/transport"
)

// Logs answers with a 503 while s is starting, as superd does.
func (s *startingFor) Logs(ctx context.Context, name string, q transport.LogQuery) (io.ReadCloser, error) {
	if time.Now().Before(s.until) {
		return nil, errStarting{}
	}
	return s.fakeBackend.Logs(ctx, name, q)
}

// Events answers with a 503 while s is starting, as superd does.
func (s *startingFor) Events(ctx context.Context, service string, follow bool) (transport.EventStream, error) {
	if time.Now().Before(s.until) {
		return transport.EventStream{}, errStarting{}
	}
	return s.fakeBackend.Events(ctx, service, follow)
}

// logs -f and events -f sent while superd is starting (stopping what a
// crashed superd left running) wait for it, as the commands that act do,
// then follow: they failed at once with "superd is starting: ...", exit 1,
// so that a script following a service's log across superd's restarts
// had to poll.
func TestFollowWaitsWhileSuperdStarts(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string // on stdout, once superd has started
	}{
		{"logs", []string{"logs", "-f", "web"}, "out 14"},
		{"events", []string{"events", "-f"}, "web"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fb := fixture()
			fb.logs["web stdout"] = numberedLines("out", 14)
			fb.history = eventFixture()
			start := time.Now()
			sock := startDaemon(t, &startingFor{fakeBackend: fb, until: start.Add(time.Second)})
			r := runAgainst(t, sock, tc.args...)
			if strings.Contains(r.stderr, "superd is starting") || !strings.Contains(r.stdout, tc.want) {
				t.Errorf("code %d, stdout %q, stderr %q; want it to wait for superd, then print %q", r.code, r.stdout, r.stderr, tc.want)
			}
			if took := time.Since(start); took < time.Second {
				t.Errorf("ended after %v, before superd had started", took)
			}
		})
	}
}

// With --timeout given, a follow that superd does not serve before it
// passes, because it is still starting, says so, as the commands that act
// do.
func TestFollowGivenTimeoutWhileSuperdStarts(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"logs", []string{"--timeout", "500ms", "logs", "-f", "web"}, "supers: logs web: not done within 500ms: superd is starting"},
		{"events", []string{"--timeout", "500ms", "events", "-f"}, "supers: events: not done within 500ms: superd is starting"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			sock := startDaemon(t, &startingFor{fakeBackend: fixture(), until: start.Add(time.Minute)})
			r := runAgainst(t, sock, tc.args...)
			if r.code != exitError || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("code %d, stderr %q, want %q", r.code, r.stderr, tc.want)
			}
			if took := time.Since(start); took < 500*time.Millisecond {
				t.Errorf("gave up after %v, before --timeout", took)
			}
		})
	}
}
