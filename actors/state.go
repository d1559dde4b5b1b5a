package actors

import (
	"cmp"
	"log/slog"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/supers-dev/supers/actors/runstate"
)

// stateWriteInterval is the shortest time between two writes of the state
// file, and stateWriteMaxInterval the longest that changes wait under
// sustained churn.
//
// Changes that arrive within the current interval of the last write wait
// for the next write, and each write made so doubles the interval, up to
// stateWriteMaxInterval; a change that comes after a whole interval
// without a write is written at once and brings the interval back to
// stateWriteInterval. So a thousand services starting cost a handful of
// writes instead of a thousand rewrites (two fsyncs each) of a file growing
// to a thousand records, and a service crash-looping at the policy's floor
// (a start and an exit every 100 ms) costs at most one write every 2 s
// instead of ten a second, and none when the changes held cancel out
// (runstate.Store.Apply skips a write that would not change the file).
// Measured with 2000 services and one crash-looping /bin/false
// (Restart=always, RestartSec=0): the 215 KB file was rewritten 9 times a
// second (18 fsyncs, 2 MB/s, a fifth of superd's CPU, which was 9 % of a
// core) for as long as the loop lasted; now 3 times in 20 s, with superd at
// 5 % of a core.
//
// What waits is only the record of which process group a service runs: a
// superd killed meanwhile leaves a file whose records are older, and its
// successor finds the newer processes by their marker instead (see
// runstate.KillStale), with their whole group when its leader is gone (it
// dies with superd: parent-death signal) or marked. Only processes that
// cleared their environment can be missed: in a group with no marked
// process left, or whose leader outlived superd without its marker (a
// set-user-ID exec clears the parent-death signal), as with any record not
// yet written. An older record is harmless: KillStale checks the leader's
// start time. The operator's stops and starts (operatorIntent,
// startedIntent), and the end of a start (a one-shot that finished), wait
// at most stateWriteInterval, whatever the churn, and those made through
// the API are written before the answer (drainState).
const (
	stateWriteInterval    = 100 * time.Millisecond
	stateWriteMaxInterval = 2 * time.Second
)

// A failed write (full or read-only disk) is retried after
// stateRetryMin, then at intervals doubling up to stateRetryMax, until one
// succeeds: otherwise an operator's stop made during the failure would be
// lost if nothing else changed before superd crashed or stopped.
const (
	stateRetryMin = time.Second
	stateRetryMax = time.Minute
)

// stateActor owns superd's state file (see actors/runstate): which process
// group each service runs, so that a superd restarted after a crash can kill
// what its predecessor left, which services the operator stopped, so that
// they stay stopped, and which services with AutoStart=no are wanted
// running (startedIntent), so that they start again. Service actors tell it about starts, exits and
// operator stops with fire-and-forget messages, so the disk writes (with
// fsync) stay off the restart path.
//
// Changes are written in batches: the first change after a write schedules
// a flushState, at once (the mailbox delivers it after the changes already
// queued) if the last write is a whole interval old, else when it will be
// (see stateWriteInterval for how the interval grows under churn, and
// shrinks back). An operator's intent that changes what is recorded moves
// the flushState forward to stateWriteInterval after the last write.
// Stopping writes what is left.
type stateActor struct {
	store stateStore
	log   *slog.Logger

	pending   []runstate.Change
	scheduled bool        // a flushState is on its way
	timer     *time.Timer // the delayed flushState, if that is how it comes
	due       time.Time   // when the scheduled flushState comes
	lastWrite time.Time
	interval  time.Duration // the current interval between writes (0: stateWriteInterval)
	busy      bool          // a pending change came within interval of the last write
	retry     time.Duration // after a failed write: the wait before the next try (0: no failure)
	lastErr   error         // the last failed write's error
	retryMin  time.Duration // stateRetryMin; tests shorten it
	// drains are the drainStates received since the last drainNow was
	// sent; they are answered together, by one write.
	drains []chan struct{}
	// watch sees the state file removed or replaced (see restoreState);
	// nil if it could not be set up. The actor closes it when it stops.
	watch *fileWatch
}

// stateStore is what the stateActor needs of a *runstate.Store.
type stateStore interface {
	Apply(changes ...runstate.Change) error
	Behind() bool
	Stopped(service string) bool
	Started(service string) bool
	Path() string
	Restore() (bool, error)
	RemadeDir() bool
}

// restoreState tells the stateActor that the state file's name was
// touched in its directory (removed, renamed, created): if the file is no
// longer the one it wrote, it writes it again.
type restoreState struct{}

// flushState tells the stateActor to write the changes it holds.
type flushState struct{}

// startedIntent tells the state actor whether a service with AutoStart=no
// is wanted running, so that a superd restart starts it again: the
// operator started (or restarted) it. A reload that re-creates a service
// running keeps what was recorded: one it keeps running while its new
// file turns AutoStart off does not start with the next superd.
// It is no longer wanted once the operator stops it (operatorIntent), its
// process ends for good (the restart policy does not restart it: exited,
// exec-failed, or fatal without RestartCooldownSec=), a reload removes it,
// or it has AutoStart=yes (it starts anyway). Service actors send it
// along with operatorIntent, the services supervisor when a process ends
// for good or a service is removed.
type startedIntent struct {
	service string
	started bool
}

// drainState asks the stateActor to write every change sent before it,
// then close done (an operator's command before its answer; superd's
// shutdown, before the actors stop).
type drainState struct {
	done chan struct{}
}

// drainNow answers the drainStates received before it with one write. A
// burst of commands (supers restart of many services, 16 at a time) drains
// as many times at once: each drain used to rewrite the whole file, so a
// restart of 3000 services rewrote it 1200 times.
type drainNow struct{}

// Receive implements actor.Actor.
func (s *stateActor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		s.watch = watchFile(s.store.Path(), ctx, restoreState{}, s.log)
		// The watch sees only what happens from now on: the file may have
		// gone since Open read it (Run stops what a crashed superd left
		// in between, for up to a TimeoutStopSec), and with no change of
		// state to come, it would never be written again.
		ctx.Send(ctx.Self(), restoreState{})
	case restoreState:
		switch wrote, err := s.store.Restore(); {
		case err != nil:
			s.writeFailed(ctx, "the state file was removed or replaced, and writing it again failed; retrying", err)
		case wrote:
			s.log.Warn("the state file was removed or replaced; written again", "file", s.store.Path())
			s.store.RemadeDir()
			s.rewatch(ctx)
		case s.store.RemadeDir():
			// A write before this look made the directory again.
			s.rewatch(ctx)
		case s.store.Behind() && s.retry == 0:
			// Open could not write the file it found damaged (a full
			// disk; it said so): retried as a failed write is, since no
			// change of state may come to write it.
			s.retry = cmp.Or(s.retryMin, stateRetryMin)
			if !s.scheduled {
				s.schedule(ctx, s.retry)
			}
		}
	case *processStarted:
		s.add(ctx, runstate.Running(m.record), false)
	case *processEnded:
		s.add(ctx, runstate.Ended(m.service), false)
	case *operatorIntent:
		// Urgent if it changes what is recorded: each service's first
		// start says "running" again, which must not keep the interval
		// short while a thousand services start.
		s.add(ctx, runstate.Stopped(m.service, m.stopped), s.store.Stopped(m.service) != m.stopped)
	case *startedIntent:
		s.add(ctx, runstate.Started(m.service, m.started), s.store.Started(m.service) != m.started)
	case flushState:
		s.scheduled, s.timer = false, nil
		s.flush(ctx)
	case *drainState:
		if len(s.drains) == 0 {
			ctx.Send(ctx.Self(), drainNow{}) // behind the messages already queued
		}
		s.drains = append(s.drains, m.done)
	case drainNow:
		s.flush(ctx)
		s.answerDrains()
	case *actor.Stopping:
		if s.timer != nil {
			s.timer.Stop()
		}
		s.flush(nil)
		if s.store.Behind() {
			// No later try: said, or an operator's stop would be lost
			// without a word (the next superd starts the service).
			s.log.Error("the state file could not be written before superd stopped: what changed since its last write (the operator's stops and starts among it) is lost for the next superd",
				"file", s.store.Path(), "err", s.lastErr)
		}
		s.answerDrains()
		s.watch.close()
	}
}

// rewatch watches the state file anew once it was written again: its
// directory may have been made anew (removed, or moved away, with the
// file), and the watch of the old one would see nothing more. What
// happened to the file between the write and the new watch is seen by
// one more look, after it.
func (s *stateActor) rewatch(ctx actor.Context) {
	s.watch.close()
	s.watch = watchFile(s.store.Path(), ctx, restoreState{}, s.log)
	ctx.Send(ctx.Self(), restoreState{})
}

// answerDrains closes the done channels of the drains received so far: the
// flush just made holds every change sent before them.
func (s *stateActor) answerDrains() {
	for _, done := range s.drains {
		close(done)
	}
	clear(s.drains)
	s.drains = s.drains[:0]
}

// add holds c for the next flush, which it schedules if none is, or moves
// forward for an urgent change (an operator's intent).
func (s *stateActor) add(ctx actor.Context, c runstate.Change, urgent bool) {
	s.pending = append(s.pending, c)
	since := time.Since(s.lastWrite)
	if since >= cmp.Or(s.interval, stateWriteInterval) {
		// Quiet for a whole interval: the churn, if any, is over.
		s.interval = stateWriteInterval
	} else {
		s.busy = true
	}
	wait := cmp.Or(s.interval, stateWriteInterval) - since
	if urgent {
		wait = min(wait, stateWriteInterval-since)
	}
	switch {
	case !s.scheduled:
		s.schedule(ctx, wait)
	case urgent && s.timer != nil && time.Now().Add(wait).Before(s.due) && s.timer.Stop():
		// Sooner than the flushState scheduled (which is not sent yet:
		// the timer stopped). Other changes wait for it, a failed
		// write's retry included.
		s.scheduled, s.timer = false, nil
		s.schedule(ctx, wait)
	}
}

// schedule sends a flushState after wait (at once, behind the messages
// already queued, if wait ≤ 0).
func (s *stateActor) schedule(ctx actor.Context, wait time.Duration) {
	s.scheduled = true
	s.due = time.Now().Add(wait)
	if wait <= 0 {
		ctx.Send(ctx.Self(), flushState{})
		return
	}
	root, self := ctx.ActorSystem().Root, ctx.Self()
	s.timer = time.AfterFunc(wait, func() { root.Send(self, flushState{}) })
}

// flush writes the changes held since the last flush, or the file again if
// the last write failed; after a failure, it schedules a retry (ctx nil:
// the actor is stopping, there is no later).
func (s *stateActor) flush(ctx actor.Context) {
	if len(s.pending) == 0 && s.retry == 0 {
		return
	}
	err := s.store.Apply(s.pending...)
	clear(s.pending)
	s.pending = s.pending[:0]
	s.lastWrite = time.Now()
	if s.busy {
		// Changes keep coming: the next ones wait longer.
		s.interval = min(2*cmp.Or(s.interval, stateWriteInterval), stateWriteMaxInterval)
		s.busy = false
	}
	if s.store.Behind() {
		s.writeFailed(ctx, "writing the state file failed; retrying", err)
		return
	}
	if s.retry != 0 {
		s.log.Info("the state file is written again")
		s.retry = 0
	}
	if s.store.RemadeDir() && ctx != nil {
		s.log.Warn("the state file's directory was gone; made again", "file", s.store.Path())
		s.rewatch(ctx) // the watch of the old one sees nothing more
	}
	if err != nil {
		s.log.Warn("invalid state change", "err", err)
	}
}

// writeFailed starts the retries of a failed write, logging msg, or backs
// them off if they had started, and schedules the next (ctx nil: the actor
// is stopping, there is no later).
func (s *stateActor) writeFailed(ctx actor.Context, msg string, err error) {
	s.lastErr = err
	if s.retry == 0 {
		s.log.Warn(msg, "err", err)
		s.retry = cmp.Or(s.retryMin, stateRetryMin)
	} else {
		s.retry = min(2*s.retry, stateRetryMax)
	}
	if ctx != nil && !s.scheduled {
		s.schedule(ctx, s.retry)
	}
}
