package actors

import (
	"fmt"
	"log/slog"
	"strings"
	"syscall"
	"testing"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/supers-dev/supers/logsink"
)

// A full log disk fails every stream at once: superd's own log gets at
// most sinkErrorsPerSecond lines about it per second, and one line that
// sums up the rest when the second ends, not a line per stream.
func TestSinkErrorsAreSummedUpBeyondARate(t *testing.T) {
	var buf lockedBuffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	sys := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return slog.New(slog.DiscardHandler) }))
	t.Cleanup(sys.Shutdown)
	pid, err := sys.Root.SpawnNamed(actor.PropsFromProducer(func() actor.Actor { return newLogsActor(t.TempDir(), log) }), "logs")
	if err != nil {
		t.Fatal(err)
	}
	const n = 50
	full := fmt.Errorf("write: %w", syscall.ENOSPC)
	for i := range n {
		sys.Root.Send(pid, &sinkError{name: fmt.Sprintf("svc%02d", i), stream: logsink.Stdout, err: full})
	}
	waitUntil(t, "the summary line", func() bool { return strings.Contains(buf.String(), "more log writes failed") })
	var shown int
	var summary string
	for _, line := range strings.Split(buf.String(), "\n") {
		switch {
		case strings.Contains(line, "log file problem;"):
			shown++
		case strings.Contains(line, "more log writes failed"):
			summary = line
		}
	}
	if shown > sinkErrorsPerSecond {
		t.Errorf("%d failures logged one by one, want at most %d", shown, sinkErrorsPerSecond)
	}
	if want := fmt.Sprintf("failures=%d", n-shown); !strings.Contains(summary, want) || !strings.Contains(summary, "no space left") {
		t.Errorf("summary %q, want %s and the last error", summary, want)
	}
	if !strings.Contains(summary, "services=svc") {
		t.Errorf("summary %q names no service", summary)
	}
}
