package actors

import (
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/logsink"
)

// logsActor is the log sink actor. It owns every service's logsink.Sink:
// it opens them (disk I/O stays off the services supervisor), closes them
// when their service goes away, and reports write failures to the daemon
// log. The byte path itself (pipe → queue → file) belongs to each Sink's
// own goroutines and never passes through a mailbox.
type logsActor struct {
	dir   string
	log   *slog.Logger
	sinks map[string]*logsink.Sink
}

func newLogsActor(dir string, logger *slog.Logger) *logsActor {
	return &logsActor{dir: dir, log: logger, sinks: make(map[string]*logsink.Sink)}
}

// Receive implements actor.Actor.
func (l *logsActor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *openSink:
		sink, err := l.open(ctx, m.spec)
		if err != nil {
			ctx.Respond(&sinkOpened{spec: m.spec, err: err})
			return
		}
		ctx.Respond(&sinkOpened{spec: m.spec, sink: sink})
	case *closeSink:
		if s, ok := l.sinks[m.name]; ok {
			delete(l.sinks, m.name)
			if err := s.Close(); err != nil {
				l.log.Warn("closing log files failed", "service", m.name, "err", err)
			}
		}
	case *sinkError:
		l.log.Warn("log write failed; output is dropped until it succeeds",
			"service", m.name, "stream", m.stream.String(), "err", m.err)
	case *actor.Stopping:
		for name, s := range l.sinks {
			if err := s.Close(); err != nil {
				l.log.Warn("closing log files failed", "service", name, "err", err)
			}
		}
		l.sinks = nil
	}
}

func (l *logsActor) open(ctx actor.Context, spec *config.Service) (*logsink.Sink, error) {
	if s, ok := l.sinks[spec.Name]; ok {
		return s, nil
	}
	self, root, name := ctx.Self(), ctx.ActorSystem().Root, spec.Name
	s, err := logsink.Open(logsink.Options{
		Dir:         filepath.Join(l.dir, spec.Name),
		MaxSize:     spec.Log.MaxSize,
		MaxBackups:  spec.Log.MaxBackups,
		MaxAge:      spec.Log.MaxAge,
		Compress:    spec.Log.Compress,
		RotateEvery: spec.Log.RotateEvery,
		OnError: func(st logsink.Stream, err error) {
			root.Send(self, &sinkError{name: name, stream: st, err: err})
		},
	})
	if err != nil {
		return nil, fmt.Errorf("open logs: %w", err)
	}
	l.sinks[spec.Name] = s
	return s, nil
}
