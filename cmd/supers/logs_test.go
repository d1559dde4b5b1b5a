package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/supers-dev/supers/transport"
)

// numberedLines returns "prefix 1\n" to "prefix n\n".
func numberedLines(prefix string, n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "%s %d\n", prefix, i)
	}
	return b.String()
}

// withLogs is fixture() with 15 lines of stdout and 3 of stderr for web,
// the last ones raw bytes a terminal would interpret.
func withLogs() *fakeBackend {
	fb := fixture()
	fb.logs["web stdout"] = numberedLines("out", 14) + "\x1b[31mred\x1b[0m\tand\r\xff no newline"
	fb.logs["web stderr"] = numberedLines("err", 3)
	return fb
}

func TestLogs(t *testing.T) {
	fb := withLogs()
	socket := startDaemon(t, fb)
	out := fb.logs["web stdout"]
	lines := strings.SplitAfter(out, "\n")
	for _, tc := range []struct {
		args []string
		want string
		call string
	}{
		{nil, strings.Join(lines[len(lines)-transport.DefaultLogTail:], ""), "stream=stdout tail=10"},
		{[]string{"-n", "3"}, strings.Join(lines[len(lines)-3:], ""), "stream=stdout tail=3"},
		{[]string{"--lines=1"}, lines[len(lines)-1], "stream=stdout tail=1"},
		{[]string{"-n", "0"}, "", "stream=stdout tail=0"},
		{[]string{"-n", "all"}, out, "stream=stdout tail=-1"},
		{[]string{"--stderr", "-n", "2"}, "err 2\nerr 3\n", "stream=stderr tail=2"},
		{[]string{"--stderr", "-n", "99"}, fb.logs["web stderr"], "stream=stderr tail=99"},
	} {
		fb.resetCalls()
		r := runAgainst(t, socket, append([]string{"logs", "web"}, tc.args...)...)
		if r.code != 0 || r.stderr != "" {
			t.Errorf("%q: code %d, stderr %q", tc.args, r.code, r.stderr)
		}
		if r.stdout != tc.want {
			t.Errorf("%q: stdout %q, want %q", tc.args, r.stdout, tc.want)
		}
		if want := []string{"logs " + tc.call + " follow=false web"}; !slices.Equal(fb.callLog(), want) {
			t.Errorf("%q: calls %q, want %q", tc.args, fb.callLog(), want)
		}
	}
}

func TestLogsErrors(t *testing.T) {
	socket := startDaemon(t, withLogs())
	r := runAgainst(t, socket, "logs", "nope")
	if r.code != exitUnknown || r.stderr != "supers: unknown service \"nope\"\n" || r.stdout != "" {
		t.Errorf("unknown: code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = runAgainst(t, socket, "logs", "-f", "nope")
	if r.code != exitUnknown || r.stderr != "supers: unknown service \"nope\"\n" {
		t.Errorf("unknown, following: code %d, stderr %q", r.code, r.stderr)
	}
	for _, args := range [][]string{{"logs"}, {"logs", "web", "-n", "-1"}, {"logs", "web", "-n", "x"}, {"logs", "web", "-n", "+5"}} {
		r := runAgainst(t, socket, args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, `Run "supers logs --help"`) {
			t.Errorf("%q: code %d, stderr %q", args, r.code, r.stderr)
		}
	}
	r = runAgainst(t, socket, "logs", "web", "-n", "ten")
	if !strings.Contains(r.stderr, `"ten": want a number of lines (0 or more) or "all"`) {
		t.Errorf("bad -n: stderr %q", r.stderr)
	}
	// A negative count is refused as one, after -n as after --lines=
	// (kong said "expected value value but got "-1" (short flag)").
	for _, args := range [][]string{{"logs", "web", "-n", "-1"}, {"logs", "--lines=-1", "web"}} {
		r = runAgainst(t, socket, args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, `--lines: "-1": want a number of lines (0 or more) or "all"`) {
			t.Errorf("%q: code %d, stderr %q", args, r.code, r.stderr)
		}
	}
	r = runAgainst(t, socket, "logs", "web", "-n")
	if r.code != exitUsage || !strings.Contains(r.stderr, "--lines: missing value") {
		t.Errorf("-n without a value: code %d, stderr %q", r.code, r.stderr)
	}
	missing := shortTempDir(t) + "/none.sock"
	r = runAgainst(t, missing, "logs", "-f", "web")
	if r.code != exitError || !strings.Contains(r.stderr, "supers: cannot reach superd at "+missing) {
		t.Errorf("no superd: code %d, stderr %q", r.code, r.stderr)
	}
}

// startLogs runs "supers logs NAME -f" with ctx in the background; the
// returned channel receives its exit code.
func startLogs(ctx context.Context, socket string, args ...string) (stdout, stderr *syncBuffer, code <-chan int) {
	stdout, stderr = &syncBuffer{}, &syncBuffer{}
	c := make(chan int, 1)
	args = append([]string{"--socket", socket, "logs", "-f"}, args...)
	go func() { c <- run(ctx, args, nil, stdout, stderr, func(string) string { return "" }) }()
	return stdout, stderr, c
}

// sendLog hands chunk to the fake's followed log, failing the test if
// nothing takes it (the stream ended).
func sendLog(t *testing.T, live chan<- string, chunk string) {
	t.Helper()
	select {
	case live <- chunk:
	case <-time.After(10 * time.Second):
		t.Fatalf("nobody reads the followed log any more (chunk %q)", chunk)
	}
}

func TestLogsFollowCanceled(t *testing.T) {
	fb := withLogs()
	fb.logLive = make(chan string) // never closed: only supers can end the stream
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	// --timeout bounds only the wait for the answer to start.
	stdout, stderr, code := startLogs(ctx, startDaemon(t, fb), "--stderr", "-n", "1", "--timeout", "1s", "web")

	// The chunks come long after --timeout, and are printed as they come,
	// without waiting for a line's end.
	waitOutput(t, stdout, "err 3\n")
	time.Sleep(1500 * time.Millisecond) // past --timeout
	sendLog(t, fb.logLive, "partial")
	waitOutput(t, stdout, "err 3\npartial")
	sendLog(t, fb.logLive, " line\n")
	waitOutput(t, stdout, "err 3\npartial line\n")
	cancel()
	if c := waitCode(t, code); c != exitOK || stderr.String() != "" {
		t.Errorf("code %d, stderr %q", c, stderr.String())
	}
	if want := []string{"logs stream=stderr tail=1 follow=true web"}; !slices.Equal(fb.callLog(), want) {
		t.Errorf("calls %q", fb.callLog())
	}
}

func TestLogsFollowUntilSuperdCloses(t *testing.T) {
	fb := withLogs()
	fb.logLive = make(chan string, 1)
	fb.logLive <- "more\n"
	close(fb.logLive)
	r := runAgainst(t, startDaemon(t, fb), "logs", "--follow", "-n", "1", "--stderr", "web")
	if r.stdout != "err 3\nmore\n" {
		t.Errorf("stdout %q", r.stdout)
	}
	if r.code != exitError || r.stderr != "supers: superd closed the log stream\n" {
		t.Errorf("code %d, stderr %q", r.code, r.stderr)
	}
}

// slowLogs is a backend whose Logs answer comes in chunks, each after
// gap; after the chunks, it waits for its context when stall is set.
type slowLogs struct {
	fakeBackend
	chunks []string
	gap    time.Duration
	stall  bool
}

func (b *slowLogs) Logs(ctx context.Context, _ string, _ transport.LogQuery) (io.ReadCloser, error) {
	pr, pw := io.Pipe()
	go func() {
		for _, c := range b.chunks {
			select {
			case <-time.After(b.gap):
			case <-ctx.Done():
				pw.CloseWithError(ctx.Err())
				return
			}
			if _, err := io.WriteString(pw, c); err != nil {
				return
			}
		}
		if b.stall {
			<-ctx.Done()
			pw.CloseWithError(ctx.Err())
			return
		}
		pw.Close()
	}()
	return pr, nil
}

func TestLogsTimeoutIsPerChunk(t *testing.T) {
	// The whole answer takes longer than --timeout (12 gaps of at least
	// 200ms), each chunk far less, so that a loaded machine may deliver
	// one late.
	var chunks []string
	for c := 'a'; c < 'a'+12; c++ {
		chunks = append(chunks, string(c)+"\n")
	}
	b := &slowLogs{chunks: chunks, gap: 200 * time.Millisecond}
	r := runAgainst(t, startDaemon(t, b), "--timeout", "2s", "logs", "web")
	if r.code != exitOK || r.stdout != strings.Join(chunks, "") || r.stderr != "" {
		t.Errorf("code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}

	// superd stops sending before the end: --timeout applies. It also
	// bounds the wait for the answer and its first chunk, which must come
	// within it.
	b = &slowLogs{chunks: chunks[:1], gap: time.Millisecond, stall: true}
	socket := startDaemon(t, b)
	r = runAgainst(t, socket, "--timeout", "1s", "logs", "web")
	want := "supers: logs web: no answer from superd at " + socket + " within 1s (see --timeout)\n"
	if r.code != exitError || r.stdout != "a\n" || r.stderr != want {
		t.Errorf("code %d, stdout %q, stderr %q\nwant %q", r.code, r.stdout, r.stderr, want)
	}
}

func TestLogsFollowConnectionCut(t *testing.T) {
	cut := serveDaemon(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "partial")
		_ = http.NewResponseController(w).Flush()
		panic(http.ErrAbortHandler) // drops the connection mid-stream
	}))
	r := runAgainst(t, cut, "logs", "-f", "web")
	// Not "superd closed the log stream", which is a clean end (superd
	// shutting down): a cut says it is one.
	if r.code != exitError || r.stdout != "partial" || !strings.HasPrefix(r.stderr, "supers: the log stream was cut midway (") {
		t.Errorf("code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	// Without -f, a cut answer is an error too, not a complete log.
	r = runAgainst(t, cut, "logs", "web")
	if r.code != exitError || r.stdout != "partial" || !strings.HasPrefix(r.stderr, "supers: logs web: reading logs from superd at "+cut) {
		t.Errorf("code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}
