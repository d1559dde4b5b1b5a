package actors

import (
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/logsink"
)

// logsActor is the log sink actor. It owns every service's logsink.Sink:
// it opens them (disk I/O stays off the services supervisor), closes them
// when their service goes away, and reports write failures to the daemon
// log. The byte path itself (pipe → queue → file) belongs to the sinks and
// never passes through a mailbox: on Linux one logsink.Poller, owned by
// this actor, reads every service's pipes (elsewhere each Sink has a
// goroutine per pipe).
type logsActor struct {
	dir    string
	log    *slog.Logger
	sinks  map[string]*logsink.Sink
	poller *logsink.Poller // nil where there is none: goroutine readers
	budget *logsink.Budget // shared by every sink

	// The sink failures logged in the current second, and those not (see
	// sinkErrorsPerSecond); the timer, armed only while some are held
	// back, reports them when the second ends.
	errSecond time.Time
	errShown  int
	hidden    hiddenSinkErrors
	errTimer  *time.Timer
}

// sinkErrorsPerSecond bounds the lines superd logs about failing log
// writes. Each stream reports at most once a second, but a full log disk
// fails every stream at once: a thousand services would write two
// thousand lines a second into superd's own log. The rest of a second's
// failures are counted and summed up in one line when it ends.
const sinkErrorsPerSecond = 10

// hiddenSinkErrors sums up the sink failures not logged one by one.
type hiddenSinkErrors struct {
	count    int
	services []string // the first few, for the summary
	lastErr  error
}

// flushSinkErrors tells the log sink actor that the second whose failures
// it held back is over.
type flushSinkErrors struct{}

// logBudget bounds the output that every service's log sink holds
// together, read from the pipes but not yet written (each stream holds at
// most logsink.DefaultQueueBytes, 4 MiB): behind a disk that hangs, a
// thousand chatty services would otherwise hold gigabytes, and the OOM
// killer would take superd and every service with it. Beyond it, output
// is dropped and counted. A healthy disk never lets so much wait.
const logBudget = 256 << 20

func newLogsActor(dir string, logger *slog.Logger) *logsActor {
	return &logsActor{dir: dir, log: logger, sinks: make(map[string]*logsink.Sink), budget: logsink.NewBudget(logBudget)}
}

// Receive implements actor.Actor.
func (l *logsActor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		l.startPoller()
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
		l.sinkFailed(ctx, m)
	case flushSinkErrors:
		l.errTimer = nil
		l.reportHidden()
	case *actor.Stopping:
		if l.errTimer != nil {
			l.errTimer.Stop()
		}
		l.reportHidden()
		// In parallel: each Close may wait its 100ms for a pipe that an
		// escaped grandchild keeps open, which must not add up over the
		// services.
		var closing sync.WaitGroup
		for name, s := range l.sinks {
			closing.Go(func() {
				if err := s.Close(); err != nil {
					l.log.Warn("closing log files failed", "service", name, "err", err)
				}
			})
		}
		closing.Wait()
		l.sinks = nil
		if l.poller != nil {
			if err := l.poller.Close(); err != nil {
				l.log.Warn("closing the log poller failed", "err", err)
			}
			l.poller = nil
		}
	}
}

// sinkFailed logs a sink's failure, unless sinkErrorsPerSecond were logged
// this second already: then it is counted, and the count logged when the
// second ends.
func (l *logsActor) sinkFailed(ctx actor.Context, m *sinkError) {
	now := time.Now()
	if now.Sub(l.errSecond) >= time.Second {
		l.errSecond, l.errShown = now, 0
	}
	if l.errShown < sinkErrorsPerSecond {
		l.errShown++
		attrs := []any{"service", m.name, "stream", m.stream.String(), "err", m.err}
		if s, ok := l.sinks[m.name]; ok {
			// The count of output lost so far, which nothing else shows.
			attrs = append(attrs, "dropped_bytes", s.Stats().Stream(m.stream).BytesDropped)
		}
		l.log.Warn("log write failed; output is dropped until it succeeds", attrs...)
		return
	}
	h := &l.hidden
	h.count++
	h.lastErr = m.err
	if len(h.services) < 5 && !slices.Contains(h.services, m.name) {
		h.services = append(h.services, m.name)
	}
	if l.errTimer == nil {
		root, self := ctx.ActorSystem().Root, ctx.Self()
		l.errTimer = time.AfterFunc(time.Until(l.errSecond.Add(time.Second)), func() { root.Send(self, flushSinkErrors{}) })
	}
}

// reportHidden logs the failures held back, if any.
func (l *logsActor) reportHidden() {
	if h := l.hidden; h.count > 0 {
		l.log.Warn("more log writes failed; output is dropped until they succeed",
			"failures", h.count, "services", strings.Join(h.services, ","), "last_err", h.lastErr)
		l.hidden = hiddenSinkErrors{}
	}
}

// startPoller creates the Poller every Sink opened from now on reads its
// pipes with; without one (not Linux, or it failed) sinks read their pipes
// with goroutines of their own.
func (l *logsActor) startPoller() {
	p, err := logsink.NewPoller(l.log)
	switch {
	case errors.Is(err, errors.ErrUnsupported):
		l.log.Debug("no log poller on this system; one reader goroutine per pipe")
	case err != nil:
		l.log.Warn("cannot create the log poller; one reader goroutine per pipe instead", "err", err)
	default:
		l.poller = p
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
		Poller:      l.poller,
		Budget:      l.budget,
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
