package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supers-dev/supers/notify"
	"github.com/supers-dev/supers/transport"
)

// eventAt returns an event of typ about service at a fixed time plus ms
// milliseconds.
func eventAt(typ, service string, ms int) notify.Event {
	e := notify.NewEvent(typ, service)
	e.Time = time.Date(2026, 11, 25, 21, 3, 4, 0, time.UTC).Add(time.Duration(ms) * time.Millisecond)
	return e
}

// eventFixture is a history with one event of each type, and a hostile one.
func eventFixture() []notify.Event {
	start := eventAt(notify.TypeStart, "sleep", 0)
	start.PID = 1234
	exit := eventAt(notify.TypeExit, "sleep", 123)
	exit.PID, exit.Signal = 1234, "SIGKILL"
	restart := eventAt(notify.TypeRestart, "sleep", 125)
	restart.Attempt = 1
	crash := eventAt(notify.TypeExit, "web", 200)
	crash.PID, crash.Code = 99, intp(0)
	stop := eventAt(notify.TypeStop, "web", 300)
	stop.Reason = "requested by supers stop"
	stopped := eventAt(notify.TypeExit, "web", 301)
	stopped.PID, stopped.Signal, stopped.Expected = 99, "SIGTERM", true
	fatal := eventAt(notify.TypeFatal, "sleep", 5000)
	fatal.Reason = "start limit hit:\n5 starts \x1b[31mwithin\x1b[0m 10s"
	backoff := eventAt(notify.TypeRestart, "sleep", 6000)
	backoff.Attempt, backoff.DelayMS = 3, 1500
	reload := eventAt(notify.TypeReload, "", 60000)
	reload.Added, reload.Removed, reload.Changed = []string{"a", "b"}, []string{"c"}, []string{"d"}
	hostile := eventAt("new\x1b[2Jtype", "x\ty", 61000)
	return []notify.Event{start, exit, restart, crash, stop, stopped, fatal, backoff, reload, hostile}
}

const eventFixtureText = `2026-11-25T21:03:04.000Z start        sleep           pid=1234
2026-11-25T21:03:04.123Z exit         sleep           pid=1234 signal=SIGKILL
2026-11-25T21:03:04.125Z restart      sleep           attempt=1 delay=0s
2026-11-25T21:03:04.200Z exit         web             pid=99 code=0
2026-11-25T21:03:04.300Z stop         web             reason="requested by supers stop"
2026-11-25T21:03:04.301Z exit         web             pid=99 signal=SIGTERM expected=true
2026-11-25T21:03:09.000Z fatal        sleep           reason="start limit hit:\n5 starts \x1b[31mwithin\x1b[0m 10s"
2026-11-25T21:03:10.000Z restart      sleep           attempt=3 delay=1.5s
2026-11-25T21:04:04.000Z reload       -               added=a,b removed=c changed=d
2026-11-25T21:04:05.000Z new?[2Jtype  x y
`

func TestEventsHuman(t *testing.T) {
	fb := fixture()
	fb.history = eventFixture()
	r := runAgainst(t, startDaemon(t, fb), "events")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("code %d, stderr %q", r.code, r.stderr)
	}
	if r.stdout != eventFixtureText {
		t.Errorf("got:\n%s\nwant:\n%s", r.stdout, eventFixtureText)
	}
	if got := fb.callLog(); !slices.Equal(got, []string{"events  follow=false"}) {
		t.Errorf("calls %q", got)
	}
}

func TestEventsJSON(t *testing.T) {
	fb := fixture()
	fb.history = eventFixture()
	r := runAgainst(t, startDaemon(t, fb), "--json", "events", "--service", "web")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("code %d, stderr %q", r.code, r.stderr)
	}
	var want strings.Builder
	for _, e := range fb.history {
		if e.Service == "web" {
			line, _ := json.Marshal(e)
			want.Write(append(line, '\n'))
		}
	}
	if r.stdout != want.String() {
		t.Errorf("got:\n%s\nwant:\n%s", r.stdout, want.String())
	}
	if got := fb.callLog(); !slices.Equal(got, []string{"events web follow=false"}) {
		t.Errorf("calls %q", got)
	}
}

func TestEventsEmpty(t *testing.T) {
	r := runAgainst(t, startDaemon(t, fixture()), "events", "--service", "nothing-here")
	if r.code != 0 || r.stdout != "" || r.stderr != "" {
		t.Errorf("code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestEventsErrors(t *testing.T) {
	// A malformed name is a usage error (exit 2), as for every command,
	// found before anything is asked of superd.
	fb := fixture()
	r := runAgainst(t, startDaemon(t, fb), "events", "--service", "a b")
	if r.code != exitUsage || !strings.Contains(r.stderr, `events: invalid service name "a b"`) || len(fb.calls) != 0 {
		t.Errorf("bad name: code %d, stderr %q, calls %q", r.code, r.stderr, fb.calls)
	}

	old := serveDaemon(t, http.NotFoundHandler())
	r = runAgainst(t, old, "events", "-f")
	if r.code != exitError || !strings.Contains(r.stderr, "does not serve events") {
		t.Errorf("older superd: code %d, stderr %q", r.code, r.stderr)
	}

	r = runAgainst(t, shortTempDir(t)+"/none.sock", "events")
	if r.code != exitError || !strings.Contains(r.stderr, "cannot reach superd") {
		t.Errorf("no superd: code %d, stderr %q", r.code, r.stderr)
	}
}

func TestEventsFollowUntilSuperdCloses(t *testing.T) {
	want := strings.Join(strings.SplitAfter(eventFixtureText, "\n")[:3], "")
	for _, flag := range []string{"-f", "--follow"} {
		// The history, then two live events, then superd ends the stream.
		fb := fixture()
		fb.history = eventFixture()[:1]
		fb.live = make(chan notify.Event, 2)
		fb.live <- eventFixture()[1]
		fb.live <- eventFixture()[2]
		close(fb.live)
		r := runAgainst(t, startDaemon(t, fb), "events", flag, "--service", "sleep")
		if r.stdout != want {
			t.Errorf("%s: got:\n%s\nwant:\n%s", flag, r.stdout, want)
		}
		if r.code != exitError || r.stderr != "supers: superd closed the event stream\n" {
			t.Errorf("%s: code %d, stderr %q", flag, r.code, r.stderr)
		}
		if got := fb.callLog(); !slices.Equal(got, []string{"events sleep follow=true"}) {
			t.Errorf("%s: calls %q", flag, got)
		}
	}
}

// A stream superd dropped because supers read it too slowly says so: events
// were lost, which "superd closed the event stream" does not tell.
func TestEventsFollowDropped(t *testing.T) {
	fb := fixture()
	fb.live = make(chan notify.Event, 1)
	fb.live <- eventFixture()[0]
	close(fb.live)
	fb.dropped = true
	r := runAgainst(t, startDaemon(t, fb), "events", "-f")
	if r.code != exitError || r.stderr != "supers: superd dropped the event stream: it was read too slowly (events were lost)\n" {
		t.Errorf("code %d, stderr %q", r.code, r.stderr)
	}
	if want := strings.SplitAfter(eventFixtureText, "\n")[0]; r.stdout != want {
		t.Errorf("stdout %q, want %q", r.stdout, want)
	}
}

func TestEventsFollowConnectionCut(t *testing.T) {
	line, _ := json.Marshal(eventFixture()[0])
	cut := serveDaemon(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/x-ndjson")
		_, _ = w.Write(append(line, '\n'))
		_ = http.NewResponseController(w).Flush()
		panic(http.ErrAbortHandler) // drops the connection mid-stream
	}))
	r := runAgainst(t, cut, "events", "-f")
	// A cut says it is one, as for logs -f; "superd closed the event
	// stream" is a clean end.
	if r.code != exitError || !strings.HasPrefix(r.stderr, "supers: the event stream was cut midway (") {
		t.Errorf("code %d, stderr %q", r.code, r.stderr)
	}
	if want := strings.SplitAfter(eventFixtureText, "\n")[0]; r.stdout != want {
		t.Errorf("stdout %q, want %q", r.stdout, want)
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a concurrent reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startFollowing runs "supers events -f" with ctx in the background; the
// returned channel receives its exit code.
func startFollowing(ctx context.Context, socket string, args ...string) (stdout, stderr *syncBuffer, code <-chan int) {
	stdout, stderr = &syncBuffer{}, &syncBuffer{}
	c := make(chan int, 1)
	args = append([]string{"--socket", socket, "events", "-f"}, args...)
	go func() { c <- run(ctx, args, nil, stdout, stderr, func(string) string { return "" }) }()
	return stdout, stderr, c
}

// waitOutput waits until out holds want, failing the test after a deadline.
func waitOutput(t *testing.T, out *syncBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for out.String() != want {
		if time.Now().After(deadline) {
			t.Fatalf("output %q, want %q", out.String(), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitCode waits for the exit code, failing the test after a deadline.
func waitCode(t *testing.T, code <-chan int) int {
	t.Helper()
	select {
	case c := <-code:
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("supers did not exit")
		return -1
	}
}

func TestEventsFollowCanceled(t *testing.T) {
	fb := fixture()
	fb.live = make(chan notify.Event) // never closed: only supers can end the stream
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	stdout, stderr, code := startFollowing(ctx, startDaemon(t, fb), "--json")

	e := eventFixture()[0]
	fb.live <- e
	line, _ := json.Marshal(e)
	waitOutput(t, stdout, string(line)+"\n")
	cancel()
	if c := waitCode(t, code); c != exitOK || stderr.String() != "" {
		t.Errorf("code %d, stderr %q", c, stderr.String())
	}
}

func TestEventsFollowIgnoresTimeout(t *testing.T) {
	fb := fixture()
	fb.live = make(chan notify.Event)
	// --timeout bounds only the wait for the answer to start (which comes
	// at once here): the event comes long after it, and the stream must
	// still be open.
	stdout, stderr, code := startFollowing(t.Context(), startDaemon(t, fb), "--timeout", "1s")
	time.Sleep(1500 * time.Millisecond) // past --timeout
	fb.live <- eventFixture()[0]
	close(fb.live)
	if c := waitCode(t, code); c != exitError || stderr.String() != "supers: superd closed the event stream\n" {
		t.Errorf("code %d, stderr %q", c, stderr.String())
	}
	if want := strings.SplitAfter(eventFixtureText, "\n")[0]; stdout.String() != want {
		t.Errorf("stdout %q, want %q", stdout.String(), want)
	}
}

func TestEventsTimeoutAppliesWithoutFollow(t *testing.T) {
	r := runAgainst(t, startDaemon(t, &blockingEvents{}), "--timeout", "50ms", "events")
	if r.code != exitError || !strings.Contains(r.stderr, "no answer from superd") {
		t.Errorf("code %d, stderr %q", r.code, r.stderr)
	}
}

// blockingEvents is a backend whose Events waits for its context.
type blockingEvents struct{ fakeBackend }

func (b *blockingEvents) Events(ctx context.Context, _ string, _ bool) (transport.EventStream, error) {
	<-ctx.Done()
	return transport.EventStream{}, ctx.Err()
}

func TestCompletionEvents(t *testing.T) {
	socket := startDaemon(t, fixture())
	for _, tc := range []struct {
		line string
		want []string
	}{
		{"supers ev", []string{"events"}},
		{"supers events --se", []string{"--service"}},
		{"supers events --service w", []string{"web", "worker-long-name"}},
		{"supers events -f --service ", []string{"db", "idle", "web", "worker-long-name"}},
		{"supers events --ty", []string{"--type"}},
		{"supers events --type e", []string{"exec-failed", "exit"}},
		{"supers events -f --type c", []string{"config-error", "create"}},
	} {
		if got := completeWith(t, socket, tc.line); !slices.Equal(got, tc.want) {
			t.Errorf("%q: %q, want %q", tc.line, got, tc.want)
		}
	}
}
