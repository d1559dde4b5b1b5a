package actors

import (
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/asynkron/protoactor-go/actor"

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
