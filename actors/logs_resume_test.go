package actors

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/logsink"
)

func spawnLogsActor(t *testing.T, log *slog.Logger) (*actor.ActorSystem, *actor.PID) {
	t.Helper()
	sys := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return slog.New(slog.DiscardHandler) }))
	t.Cleanup(sys.Shutdown)
	pid, err := sys.Root.SpawnNamed(actor.PropsFromProducer(func() actor.Actor { return newLogsActor(t.TempDir(), log) }), "logs")
	if err != nil {
		t.Fatal(err)
	}
	return sys, pid
}

// blockLogFile puts a directory that cannot be removed (it holds one) in
// the place of the log file at path: every write of its Sink fails.
func blockLogFile(t *testing.T, path string) {
	t.Helper()
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(path, "busy"), 0o750); err != nil {
		t.Fatal(err)
	}
}

// openSvcSink has the log sink actor pid open the Sink of a service "svc"
// and returns it with the write end of its stdout pipe; the pipes are
// closed when the test ends.
func openSvcSink(t *testing.T, sys *actor.ActorSystem, pid *actor.PID) (*logsink.Sink, *os.File) {
	t.Helper()
	res, err := sys.Root.RequestFuture(pid, &openSink{spec: config.New("svc", "/bin/true")}, 10*time.Second).Result()
	if err != nil {
		t.Fatal(err)
	}
	m, ok := res.(*sinkOpened)
	if !ok || m.err != nil || m.sink == nil {
		t.Fatalf("open answered %#v", res)
	}
	sink := m.sink.(*logsink.Sink)
	stdout, stderr, err := sink.Pipes()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = stdout.Close()
		_ = stderr.Close()
	})
	return sink, stdout
}

// A stream that writes again after it dropped output is logged once, with
// what it dropped since its logs were opened (dropped_bytes, as the
// warnings count it) and since it last resumed (dropped_bytes_episode, the
// final count, which the last warning may not have told). Nothing was
// logged when writing resumed.
func TestResumedLogWritingIsLogged(t *testing.T) {
	var buf lockedBuffer
	sys, pid := spawnLogsActor(t, slog.New(slog.NewTextHandler(&buf, nil)))
	sys.Root.Send(pid, &sinkResumed{name: "svc", stream: logsink.Stderr, r: logsink.Resumption{
		Dropped: 53532, TotalDropped: 60000, Err: fmt.Errorf("write stderr.log: %w", syscall.ENOSPC),
	}})
	waitUntil(t, "the resumption logged", func() bool { return strings.Contains(buf.String(), "log writing resumed") })
	want := `level=WARN msg="log writing resumed" service=svc stream=stderr dropped_bytes=60000 dropped_bytes_episode=53532 last_err="write stderr.log: no space left on device"`
	if got := strings.TrimSpace(buf.String()); !strings.HasSuffix(got, want) {
		t.Errorf("logged %q; want a line ending with %q", got, want)
	}
}

// A full log disk that comes back resumes every stream at once: the
// resumptions share the failures' sinkErrorsPerSecond, and those beyond
// it are summed up when the second ends, their bytes dropped together.
func TestResumptionsAreSummedUpBeyondARate(t *testing.T) {
	var buf lockedBuffer
	sys, pid := spawnLogsActor(t, slog.New(slog.NewTextHandler(&buf, nil)))
	const n = 50
	for i := range n {
		sys.Root.Send(pid, &sinkResumed{name: fmt.Sprintf("svc%02d", i), stream: logsink.Stdout, r: logsink.Resumption{
			Dropped: uint64(i + 1), TotalDropped: uint64(2 * (i + 1)), Err: syscall.ENOSPC,
		}})
	}
	shownRe := regexp.MustCompile(`msg="log writing resumed" service=svc\d+ stream=stdout dropped_bytes=(\d+) dropped_bytes_episode=(\d+) `)
	summaryRe := regexp.MustCompile(`msg="log writing resumed for more streams" streams=(\d+) services=svc\S* dropped_bytes=(\d+) dropped_bytes_episode=(\d+)$`)
	// Every resumption is logged on its own or in a summary, each once.
	var shown, summed, total, episode int
	waitUntil(t, "every resumption logged", func() bool {
		shown, summed, total, episode = 0, 0, 0, 0
		for _, line := range strings.Split(buf.String(), "\n") {
			if m := shownRe.FindStringSubmatch(line); m != nil {
				shown++
				d, _ := strconv.Atoi(m[1])
				e, _ := strconv.Atoi(m[2])
				total += d
				episode += e
			} else if m := summaryRe.FindStringSubmatch(line); m != nil {
				s, _ := strconv.Atoi(m[1])
				d, _ := strconv.Atoi(m[2])
				e, _ := strconv.Atoi(m[3])
				summed += s
				total += d
				episode += e
			}
		}
		return shown+summed >= n
	})
	if shown+summed != n || episode != n*(n+1)/2 || total != n*(n+1) {
		t.Errorf("%d resumptions logged one by one and %d summed up, %d bytes dropped in the episodes and %d since open in all; want %d, %d and %d",
			shown, summed, episode, total, n, n*(n+1)/2, n*(n+1))
	}
	if shown > 2*sinkErrorsPerSecond { // the second may have ended once
		t.Errorf("%d resumptions logged one by one, want at most %d a second", shown, sinkErrorsPerSecond)
	}
	if summed == 0 {
		t.Errorf("no summary line; log:\n%s", buf.String())
	}
}

// The Sinks the log sink actor opens tell it when writing resumes: a
// stream of a real Sink that fails, then writes again, is logged as
// resumed, with the bytes it dropped. The tests above send sinkResumed
// themselves, and pass whether or not the Sinks are given OnResume.
func TestSinkOpenedByTheActorTellsItsResumption(t *testing.T) {
	var buf lockedBuffer
	sys, pid := spawnLogsActor(t, slog.New(slog.NewTextHandler(&buf, nil)))
	t.Cleanup(func() { _ = sys.Root.StopFuture(pid).Wait() }) // closes the Sink
	sink, stdout := openSvcSink(t, sys, pid)
	send := func(line string) {
		t.Helper()
		if _, err := stdout.WriteString(line); err != nil {
			t.Fatal(err)
		}
	}
	send("first line\n")
	waitUntil(t, "the first line written", func() bool { return sink.Stats().Stdout.BytesWritten == 11 })

	// A directory that cannot be removed where stdout.log was: the next
	// write fails, and its line is dropped.
	path := sink.Path(logsink.Stdout)
	blockLogFile(t, path)
	send("lost line\n")
	waitUntil(t, "the line dropped", func() bool { return sink.Stats().Stdout.BytesDropped == 10 })

	// Gone again: the next write creates stdout.log, and writing resumes.
	if err := os.RemoveAll(path); err != nil {
		t.Fatal(err)
	}
	send("back again\n")
	waitUntil(t, "the resumption logged", func() bool { return strings.Contains(buf.String(), "log writing resumed") })
	want := `msg="log writing resumed" service=svc stream=stdout dropped_bytes=10 dropped_bytes_episode=10 `
	if got := buf.String(); !strings.Contains(got, want) {
		t.Errorf("logged %q; want a line with %q", got, want)
	}
}
