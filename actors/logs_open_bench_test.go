package actors

import (
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/supers-dev/supers/config"
)

// BenchmarkLogsActorOpen1000 measures the opening of the logs of 1000
// services, all asked at once as at superd's start, in new directories:
// the log sink actor's share of the start-up.
func BenchmarkLogsActorOpen1000(b *testing.B) {
	const services = 1000
	specs := make([]*config.Service, services)
	for i := range specs {
		specs[i] = config.New("svc"+strconv.Itoa(i), "/bin/true")
	}
	sys := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(slog.DiscardHandler)
	}))
	defer sys.Shutdown()
	for b.Loop() {
		b.StopTimer()
		l := newLogsActor(b.TempDir(), slog.New(slog.DiscardHandler))
		pid := sys.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return l }))
		b.StartTimer()
		futures := make([]actor.Future, services)
		for i, spec := range specs {
			futures[i] = sys.Root.RequestFuture(pid, &openSink{spec: spec}, time.Minute)
		}
		for _, f := range futures {
			res, err := f.Result()
			if err != nil {
				b.Fatal(err)
			}
			if m := res.(*sinkOpened); m.err != nil {
				b.Fatal(m.err)
			}
		}
		b.StopTimer()
		if err := sys.Root.StopFuture(pid).Wait(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}
