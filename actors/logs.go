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
	"github.com/supers-dev/supers/notify"
)

// logsActor is the log sink actor. It owns every service's logsink.Sink:
// it opens them (disk I/O stays off the services supervisor), closes them
// when their service goes away, and reports write failures to the daemon
// log. The byte path itself (pipe → queue → file) belongs to the sinks and
// never passes through a mailbox: on Linux one logsink.Poller, owned by
// this actor, reads every service's pipes (elsewhere each Sink has a
// goroutine per pipe).
//
// A Sink is opened and closed by a goroutine of the actor's (sinkOp), never
// in its mailbox: a log disk that hangs holds up the logs of the services
// on it, never the creation, replacement or removal of the others, nor
// superd's shutdown. An open waits at most sinkOpenWait for the disk; a
// service's new Sink writes nothing before its previous one is closed.
type logsActor struct {
	dir    string
	log    *slog.Logger
	sinks  map[string]*logsink.Sink
	poller *logsink.Poller // nil where there is none: goroutine readers
	budget *logsink.Budget // shared by every sink
	// preps bounds the Sinks preparing their files at once (each system
	// call may take an OS thread, which the runtime keeps).
	preps *logsink.Preparers
	// compressors bounds the rotated files compressed at once, for all
	// services.
	compressors *logsink.Compressors

	// The opens and closes under way (each in its goroutine), and by
	// service the opens under way and the last Sink whose Close has not
	// returned.
	ops     map[*sinkOp]bool
	opening map[string]*sinkOp
	closing map[string]*logsink.Sink
	// The opens waiting for one of the maxOpens places (started in order),
	// and how many are taken.
	queued   []*sinkOp
	inFlight int

	// openFn and closeFn are logsink.Open and (*logsink.Sink).Close: the
	// test seam for a disk that hangs. closeWait bounds the wait for the
	// Sinks to close at Stopping.
	openFn    func(logsink.Options) (*logsink.Sink, error)
	closeFn   func(*logsink.Sink) error
	closeWait time.Duration

	// The sink failures logged in the current second, and those not (see
	// sinkErrorsPerSecond); the timer, armed only while some are held
	// back, reports them when the second ends.
	errSecond time.Time
	errShown  int
	hidden    hiddenSinkErrors
	errTimer  *time.Timer

	// events is the event hub (nil: no events), set by useEvents;
	// logErrorAt holds the last log-error event of a stream published,
	// until its log-resumed (see logErrorEvery).
	events     *actor.PID
	logErrorAt map[streamKey]logErrorGate
	// registry, if not nil, tells the Supervisor each service's Sink, for
	// the bytes dropped in its status.
	registry *logSinks
	// The log events published in the current second (see
	// logEventsPerSecond).
	evSecond time.Time
	evShown  int
}

// logEventsPerSecond bounds the log-error and log-resumed events published
// in a second, for every service together: a full log disk fails every
// stream at once, and a thousand services would flood the webhooks' queues
// (pushing out their other events) and the event history. Past it, a
// failure is published when its stream reports it again (a second later),
// and a resumption is not published (superd's log says it), nor that of
// a failure held back.
const logEventsPerSecond = 10

// streamKey names one stream of a service's logs.
type streamKey struct {
	name   string
	stream logsink.Stream
}

// logErrorEvery is how often, at most, a log-error event of one stream is
// published while its failures go on (its Sink reports them every second,
// which superd's own log sums up; a webhook wants the news, not the
// ticks). A log-resumed ends it: the next failure is published at once.
//
// A failure that dropped no output (a rotation or a compression that
// failed, a FIFO found at the log path and removed) has no log-resumed to
// end it: it holds back only the failures that drop nothing either. The
// first that does drop output is published at once, and holds back the
// rest until its log-resumed; else a full disk that followed a failed
// rotation went unreported for up to a minute.
const logErrorEvery = time.Minute

// logErrorGate is the last log-error event published of a stream: when,
// and whether its failure dropped output (see logErrorEvery).
type logErrorGate struct {
	at    time.Time
	lossy bool
	// heldLoss: a failure that dropped output came after it and was
	// held back by logEventsPerSecond: its end is not published either.
	heldLoss bool
}

// useEvents gives the log sink actor the event hub, spawned after it.
type useEvents struct{ hub *actor.PID }

// sinkOpenWait bounds how long the creation of a service waits for its log
// dir and files (and for the Sink of its previous definition to close).
// Past it, the service is created anyway: its output waits in memory for
// the disk, then is dropped and counted (logsink.Options.OpenWait), as
// when the disk hangs later. A service kept from starting by the log disk
// would be down for longer than the disk, and its creation would hold up
// whatever waits for it (superd's start, a reload, a start command).
const sinkOpenWait = time.Second

// sinkPreparers is how many Sinks prepare their files at once: as many as
// the services supervisor asked for at once used to be opened one after
// the other, in the log sink actor's mailbox, with one OS thread. A few
// let a stuck one (a service's log dir on another disk, which hangs) hold
// up no other.
const sinkPreparers = 4

// sinkCompressors is how many rotated files superd compresses at once, for
// every service together (Compress=yes): each compression holds about
// 800 KiB and a CPU while it runs, and the RotateEvery timers of services
// started together fire together. The others keep their rotated files
// plain until their turn.
const sinkCompressors = 2

// maxOpens bounds the opens under way at once; the others wait, in the
// actor, for a place. Each open is a goroutine (and one more inside
// logsink.Open), the runtime keeps every goroutine it ever ran for reuse,
// and their allocations interleave: a thousand services opened all at
// once took superd's RSS from 21.7–21.9 MiB (opens one after the other,
// in the mailbox) to 23.3–23.6 MiB for good; with 16 at a time it is
// 22.5–22.6 MiB (4 at a time saved about 0.3 MiB more, but behind a hung
// disk the queue drains maxOpens opens a second, each taking about
// sinkOpenWait).
const maxOpens = 16

// sinkCloseWait bounds how long the log sink actor's Stopping waits for
// the Sinks to close (to write what they hold). Past it, superd's shutdown
// goes on without them: what they still hold is lost.
const sinkCloseWait = 5 * time.Second

// sinkOp is the opening or closing of one service's Sink, run by a
// goroutine of the log sink actor, which sends the sinkOp back to the
// actor when it is done.
type sinkOp struct {
	name string
	// Set before the goroutine starts: the Sink to close, or the request to
	// open one and where to answer.
	toClose *logsink.Sink
	opts    logsink.Options
	reply   []openReply // more than one if asked again meanwhile
	done    chan struct{}

	mu        sync.Mutex
	sink      *logsink.Sink // the Sink opened
	err       error         // the failure to open or to close
	abandoned bool          // the actor stopped: the goroutine closes the Sink it opens

	// reports is what the reports of the Sink opened (its OnError and
	// OnResume) carry, set before the goroutine starts.
	reports *sinkReports
}

// sinkReports is the actor's own record of one Sink, which its reports
// carry (a Sink being closed still reports; the next Sink of the same
// service is another): small, as every Sink keeps it.
type sinkReports struct {
	sink *logsink.Sink // set by the actor once the Sink is open; nil before
	// resumedAt holds each stream's count of bytes dropped when it last
	// resumed (TotalDropped): a failure with no more dropped since
	// dropped nothing (see lostOutput).
	resumedAt [2]uint64
}

// openReply is where to send the sinkOpened of one openSink.
type openReply struct {
	spec *config.Service
	to   *actor.PID
}

// sinkErrorsPerSecond bounds the lines superd logs about failing log
// writes. Each stream reports at most once a second, but a full log disk
// fails every stream at once: a thousand services would write two
// thousand lines a second into superd's own log. The rest of a second's
// failures are counted and summed up in one line when it ends.
const sinkErrorsPerSecond = 10

// hiddenSinkErrors sums up the sink failures, and the resumptions, not
// logged one by one.
type hiddenSinkErrors struct {
	count    int
	services []string // the first few, for the summary
	lastErr  error

	resumed         int      // streams written again
	resumedServices []string // the first few of theirs
	resumedEpisode  uint64   // what their episodes dropped, together
	resumedTotal    uint64   // what they dropped since their logs were opened, together
}

// sinkResumed tells the log sink actor that a stream of a service's log
// sink writes again after it dropped output (logsink.Options.OnResume,
// rate-limited with the failures by the sink itself).
type sinkResumed struct {
	name   string
	stream logsink.Stream
	r      logsink.Resumption
	rep    *sinkReports // the Sink's record
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
	return &logsActor{dir: dir, log: logger, sinks: make(map[string]*logsink.Sink), budget: logsink.NewBudget(logBudget),
		preps: logsink.NewPreparers(sinkPreparers), compressors: logsink.NewCompressors(sinkCompressors),
		ops: make(map[*sinkOp]bool), opening: make(map[string]*sinkOp), closing: make(map[string]*logsink.Sink),
		openFn: logsink.Open, closeFn: (*logsink.Sink).Close, closeWait: sinkCloseWait}
}

// Receive implements actor.Actor.
func (l *logsActor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		l.startPoller()
	case *openSink:
		l.open(ctx, m.spec)
	case *closeSink:
		if s, ok := l.sinks[m.name]; ok {
			delete(l.sinks, m.name)
			l.registry.remove(m.name, s)
			l.closeSink(ctx, m.name, s)
		}
	case *sinkOp:
		l.opDone(ctx, m)
	case *useEvents:
		l.events = m.hub
	case *sinkError:
		dropped, lossy := lostOutput(m)
		l.publishLogError(ctx, m, dropped, lossy)
		l.sinkFailed(ctx, m, dropped, lossy)
	case *sinkResumed:
		l.publishLogResumed(ctx, m)
		l.sinkResumed(ctx, m)
	case flushSinkErrors:
		l.errTimer = nil
		l.reportHidden()
	case *actor.Stopping:
		if l.errTimer != nil {
			l.errTimer.Stop()
		}
		l.reportHidden()
		l.stopSinks(ctx)
		if l.poller != nil {
			if err := l.poller.Close(); err != nil {
				l.log.Warn("closing the log poller failed", "err", err)
			}
			l.poller = nil
		}
	}
}

// open answers an openSink with the service's Sink, opening it if needed.
func (l *logsActor) open(ctx actor.Context, spec *config.Service) {
	name := spec.Name
	r := openReply{spec: spec, to: ctx.Sender()}
	if s, ok := l.sinks[name]; ok {
		l.answer(ctx, r, s, nil)
		return
	}
	if op, ok := l.opening[name]; ok {
		op.reply = append(op.reply, r)
		return
	}
	self, root := ctx.Self(), ctx.ActorSystem().Root
	rep := &sinkReports{}
	op := &sinkOp{name: name, reply: []openReply{r}, done: make(chan struct{}), reports: rep, opts: logsink.Options{
		Dir:         filepath.Join(l.dir, name),
		MaxSize:     spec.Log.MaxSize,
		MaxBackups:  spec.Log.MaxBackups,
		MaxAge:      spec.Log.MaxAge,
		Compress:    spec.Log.Compress,
		RotateEvery: spec.Log.RotateEvery,
		Timestamps:  spec.Log.Timestamps,
		Poller:      l.poller,
		Budget:      l.budget,
		Preparers:   l.preps,
		Compressors: l.compressors,
		// The reports carry the record of the Sink that made them: one of a
		// Sink being closed must not count as the next one's.
		OnError: func(st logsink.Stream, err error) {
			root.Send(self, &sinkError{name: name, stream: st, err: err, rep: rep})
		},
		OnResume: func(st logsink.Stream, r logsink.Resumption) {
			root.Send(self, &sinkResumed{name: name, stream: st, r: r, rep: rep})
		},
		OpenWait: sinkOpenWait,
	}}
	l.opening[name] = op
	if l.inFlight >= maxOpens {
		l.queued = append(l.queued, op)
		return
	}
	l.startOpen(ctx, op)
}

// startOpen runs op, an open, in its goroutine.
func (l *logsActor) startOpen(ctx actor.Context, op *sinkOp) {
	l.inFlight++
	// Its files are the new Sink's: it writes once they are closed.
	op.opts.After = l.closing[op.name]
	l.run(ctx, op)
}

// closeSink closes s, the Sink of service name, in a goroutine.
func (l *logsActor) closeSink(ctx actor.Context, name string, s *logsink.Sink) {
	for _, st := range []logsink.Stream{logsink.Stdout, logsink.Stderr} {
		delete(l.logErrorAt, streamKey{name, st})
	}
	l.closing[name] = s
	l.run(ctx, &sinkOp{name: name, toClose: s, done: make(chan struct{})})
}

// run starts op's goroutine, which sends op back once it is done.
func (l *logsActor) run(ctx actor.Context, op *sinkOp) {
	l.ops[op] = true
	self, root := ctx.Self(), ctx.ActorSystem().Root
	openFn, closeFn := l.openFn, l.closeFn
	go func() {
		defer close(op.done)
		if op.toClose != nil {
			err := closeFn(op.toClose)
			op.mu.Lock()
			op.err = err
			op.mu.Unlock()
			root.Send(self, op)
			return
		}
		s, err := openFn(op.opts)
		op.mu.Lock()
		op.sink, op.err = s, err
		abandoned := op.abandoned
		op.mu.Unlock()
		if !abandoned {
			root.Send(self, op)
			return
		}
		if s != nil {
			_ = closeFn(s) // nobody else will
		}
	}()
}

// opDone takes the result of op, an open or close that is over.
func (l *logsActor) opDone(ctx actor.Context, op *sinkOp) {
	delete(l.ops, op)
	op.mu.Lock()
	s, err := op.sink, op.err
	op.mu.Unlock()
	if op.toClose != nil {
		if l.closing[op.name] == op.toClose {
			delete(l.closing, op.name)
		}
		if err != nil {
			l.log.Warn("closing log files failed", "service", op.name, "err", err)
		}
		return
	}
	delete(l.opening, op.name)
	l.inFlight--
	for l.inFlight < maxOpens && len(l.queued) > 0 {
		next := l.queued[0]
		l.queued[0] = nil
		l.queued = l.queued[1:]
		l.startOpen(ctx, next)
	}
	if err != nil {
		err = fmt.Errorf("open logs: %w", err)
	} else {
		l.sinks[op.name] = s
		l.registry.set(op.name, s)
		op.reports.sink = s
		select {
		case <-s.Ready():
		default:
			l.log.Warn("log files not ready in time (log disk slow or hung?); the service's output waits for them, or is dropped and counted",
				"service", op.name, "dir", op.opts.Dir, "waited", sinkOpenWait)
		}
	}
	for _, r := range op.reply {
		l.answer(ctx, r, s, err)
	}
}

// answer sends r's requester the Sink of its service, or why there is none.
func (l *logsActor) answer(ctx actor.Context, r openReply, s *logsink.Sink, err error) {
	if r.to == nil {
		return
	}
	if err != nil {
		ctx.Send(r.to, &sinkOpened{spec: r.spec, err: err})
		return
	}
	ctx.Send(r.to, &sinkOpened{spec: r.spec, sink: s})
}

// stopSinks closes every Sink, in parallel (each may wait 100ms for a
// pipe that an escaped grandchild keeps open, which must not add up over
// the services), and waits for them and for the closes under way, at most
// closeWait: a hung disk must not hold up superd's shutdown. The opens
// under way close what they open.
func (l *logsActor) stopSinks(ctx actor.Context) {
	l.queued = nil // never started: nothing to close
	for op := range l.ops {
		if op.toClose != nil {
			continue
		}
		op.mu.Lock()
		op.abandoned = true
		s := op.sink // opened, its answer not taken yet
		op.mu.Unlock()
		delete(l.ops, op)
		if s != nil {
			l.closeSink(ctx, op.name, s)
		}
	}
	for name, s := range l.sinks {
		l.closeSink(ctx, name, s)
	}
	l.sinks = nil
	deadline := time.NewTimer(l.closeWait)
	defer deadline.Stop()
	expired := false
	var late []string
	for op := range l.ops {
		if !expired {
			select {
			case <-op.done:
			case <-deadline.C:
				expired = true
			}
		}
		select {
		case <-op.done:
			op.mu.Lock()
			err := op.err
			op.mu.Unlock()
			if err != nil {
				l.log.Warn("closing log files failed", "service", op.name, "err", err)
			}
		default:
			late = append(late, op.name)
		}
	}
	if len(late) > 0 {
		slices.Sort(late)
		late = slices.Compact(late) // an old Sink and its replacement
		l.log.Error("log files not closed in time (log disk hung?); the output they still hold is lost",
			"services", strings.Join(late, ","), "waited", l.closeWait)
	}
}

// lostOutput returns the bytes m's stream dropped since its Sink was
// opened, and whether it dropped any since it last resumed: if not, the
// failure m reports dropped nothing. A report made while its Sink opens
// (an unsafe log path removed) comes before any output could be dropped;
// one with no record of its Sink (tests' reports) is taken to have
// dropped output, as every failure was before the counts told them apart.
func lostOutput(m *sinkError) (dropped uint64, lossy bool) {
	switch {
	case m.rep == nil || int(m.stream) >= len(m.rep.resumedAt):
		return 0, true
	case m.rep.sink == nil:
		return 0, false // still opening: no output yet
	}
	dropped = m.rep.sink.Stats().Stream(m.stream).BytesDropped
	return dropped, dropped > m.rep.resumedAt[m.stream]
}

// publishLogError publishes a log-error event for m, whose stream dropped
// dropped bytes so far, some since it last resumed if lossy, unless one
// was published for its stream less than logErrorEvery ago and not
// followed by a log-resumed, and either that one's failure dropped output
// or this one's did not.
func (l *logsActor) publishLogError(ctx actor.Context, m *sinkError, dropped uint64, lossy bool) {
	if l.events == nil {
		return
	}
	key, now := streamKey{m.name, m.stream}, time.Now()
	if g, ok := l.logErrorAt[key]; ok && now.Sub(g.at) < logErrorEvery && (g.lossy || !lossy) {
		return
	}
	if !l.mayPublish(now) {
		if g, ok := l.logErrorAt[key]; ok && lossy {
			g.heldLoss = true
			l.logErrorAt[key] = g
		}
		return
	}
	if l.logErrorAt == nil {
		l.logErrorAt = make(map[streamKey]logErrorGate)
	}
	l.logErrorAt[key] = logErrorGate{at: now, lossy: lossy}
	ev := notify.NewEvent(notify.TypeLogError, m.name)
	ev.Stream, ev.Reason = m.stream.String(), oneLine(m.err.Error())
	ev.DroppedBytes = dropped
	publish(ctx, l.events, ev)
}

// mayPublish reports whether one more log event may be published in the
// second of now, and counts it.
func (l *logsActor) mayPublish(now time.Time) bool {
	if now.Sub(l.evSecond) >= time.Second {
		l.evSecond, l.evShown = now, 0
	}
	if l.evShown >= logEventsPerSecond {
		return false
	}
	l.evShown++
	return true
}

// publishLogResumed publishes a log-resumed event for m, and lets the next
// failure of its stream be published at once. The end of a failure whose
// log-error logEventsPerSecond held back is not published either (superd's
// log says both), even if a failure that dropped nothing was published
// before it (heldLoss); output dropped with no failure (a full queue) is,
// and so is the end of a loss that came after a published failure that
// dropped nothing before the loss's own report (a log dir that could not
// be made while the Sink opened, then every write failing).
func (l *logsActor) publishLogResumed(ctx actor.Context, m *sinkResumed) {
	key := streamKey{m.name, m.stream}
	// Published unless no log-error was, or the loss's own was held back
	// (a resumption comes with no failure report of its own when the
	// Sink's once-a-second report of the loss had not come yet: a
	// log-error of a failure that dropped nothing, such as the log
	// directory that could not be made while the Sink opened, is the one
	// to close then).
	g, published := l.logErrorAt[key]
	published = published && (g.lossy || !g.heldLoss)
	delete(l.logErrorAt, key)
	if m.rep != nil && int(m.stream) < len(m.rep.resumedAt) {
		m.rep.resumedAt[m.stream] = m.r.TotalDropped
	}
	if l.events == nil || m.r.Err != nil && !published || !l.mayPublish(time.Now()) {
		return
	}
	ev := notify.NewEvent(notify.TypeLogResumed, m.name)
	ev.Stream, ev.DroppedBytes = m.stream.String(), m.r.Dropped
	if m.r.Err != nil {
		ev.Reason = oneLine(m.r.Err.Error())
	}
	publish(ctx, l.events, ev)
}

// sinkFailed logs a sink's failure, whose stream dropped dropped bytes so
// far, some since it last resumed if lossy (see lostOutput), unless
// sinkErrorsPerSecond were logged this second already: then it is
// counted, and the count logged when the second ends.
func (l *logsActor) sinkFailed(ctx actor.Context, m *sinkError, dropped uint64, lossy bool) {
	if l.mayShow() {
		// The count of output lost so far, which nothing else shows.
		attrs := []any{"service", m.name, "stream", m.stream.String(), "err", m.err, "dropped_bytes", dropped}
		if !lossy {
			// Not every problem drops output (a rotation or a compression
			// that failed, a FIFO removed): no resumption will follow.
			l.log.Warn("log file problem; no output dropped (dropped_bytes: so far)", attrs...)
			return
		}
		l.log.Warn("log file problem; output that cannot be written is dropped (dropped_bytes: so far)", attrs...)
		return
	}
	h := &l.hidden
	h.count++
	h.lastErr = m.err
	h.services = addFew(h.services, m.name)
	l.flushLater(ctx)
}

// sinkResumed logs that a stream writes again, with the bytes it dropped
// since its Sink opened (dropped_bytes, as the warnings count them) and
// since its previous resumption (dropped_bytes_episode: the final count,
// which the last warning may not have told).
// A warning, as the failures are: it tells output lost, and must show
// where they do. Resumptions share the failures' sinkErrorsPerSecond:
// past it, they are summed up when the second ends.
func (l *logsActor) sinkResumed(ctx actor.Context, m *sinkResumed) {
	if l.mayShow() {
		l.log.Warn("log writing resumed", "service", m.name, "stream", m.stream.String(),
			"dropped_bytes", m.r.TotalDropped, "dropped_bytes_episode", m.r.Dropped, "last_err", m.r.Err)
		return
	}
	h := &l.hidden
	h.resumed++
	h.resumedEpisode += m.r.Dropped
	h.resumedTotal += m.r.TotalDropped
	h.resumedServices = addFew(h.resumedServices, m.name)
	l.flushLater(ctx)
}

// mayShow reports whether one more line about the sinks may be logged in
// the current second, and counts it.
func (l *logsActor) mayShow() bool {
	now := time.Now()
	if now.Sub(l.errSecond) >= time.Second {
		l.errSecond, l.errShown = now, 0
	}
	if l.errShown < sinkErrorsPerSecond {
		l.errShown++
		return true
	}
	return false
}

// flushLater arms the timer that logs what was held back when the second
// ends, unless it is armed.
func (l *logsActor) flushLater(ctx actor.Context) {
	if l.errTimer == nil {
		root, self := ctx.ActorSystem().Root, ctx.Self()
		l.errTimer = time.AfterFunc(time.Until(l.errSecond.Add(time.Second)), func() { root.Send(self, flushSinkErrors{}) })
	}
}

// addFew adds name to names, the first few services of a summary, unless
// it is there or there are five.
func addFew(names []string, name string) []string {
	if len(names) < 5 && !slices.Contains(names, name) {
		names = append(names, name)
	}
	return names
}

// reportHidden logs the failures and resumptions held back, if any.
func (l *logsActor) reportHidden() {
	h := l.hidden
	if h.count > 0 {
		l.log.Warn("more log writes failed; output is dropped until they succeed",
			"failures", h.count, "services", strings.Join(h.services, ","), "last_err", h.lastErr)
	}
	if h.resumed > 0 {
		l.log.Warn("log writing resumed for more streams",
			"streams", h.resumed, "services", strings.Join(h.resumedServices, ","), "dropped_bytes", h.resumedTotal, "dropped_bytes_episode", h.resumedEpisode)
	}
	l.hidden = hiddenSinkErrors{}
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
