package actors

import (
	"cmp"
	"log/slog"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/supers-dev/supers/actors/runstate"
)

// stateWriteInterval is the shortest time between two writes of the state
// file. Changes that arrive sooner wait for the next write: a thousand
// services starting cost a few dozen writes instead of a thousand rewrites
// (two fsyncs each) of a file growing to a thousand records, while a crash
// of superd can lose at most this much of recent history, which KillStale's
// marker search covers anyway.
const stateWriteInterval = 100 * time.Millisecond

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
// what its predecessor left, and which services the operator stopped, so
// that they stay stopped. Service actors tell it about starts, exits and
// operator stops with fire-and-forget messages, so the disk writes (with
// fsync) stay off the restart path.
//
// Changes are written in batches: the first change after a write schedules
// a flushState, at once (the mailbox delivers it after the changes already
// queued) if the last write is stateWriteInterval old, else when it will
// be. Stopping writes what is left.
type stateActor struct {
	store stateStore
	log   *slog.Logger

	pending   []runstate.Change
	scheduled bool        // a flushState is on its way
	timer     *time.Timer // the delayed flushState, if that is how it comes
	lastWrite time.Time
	retry     time.Duration // after a failed write: the wait before the next try (0: no failure)
	retryMin  time.Duration // stateRetryMin; tests shorten it
}

// stateStore is what the stateActor needs of a *runstate.Store.
type stateStore interface {
	Apply(changes ...runstate.Change) error
	Behind() bool
}

// flushState tells the stateActor to write the changes it holds.
type flushState struct{}

// drainState asks the stateActor to write every change sent before it,
// then close done (superd's shutdown, before the actors stop).
type drainState struct {
	done chan struct{}
}

// Receive implements actor.Actor.
func (s *stateActor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *processStarted:
		s.add(ctx, runstate.Running(m.record))
	case *processEnded:
		s.add(ctx, runstate.Ended(m.service))
	case *operatorIntent:
		s.add(ctx, runstate.Stopped(m.service, m.stopped))
	case flushState:
		s.scheduled, s.timer = false, nil
		s.flush(ctx)
	case *drainState:
		s.flush(ctx)
		close(m.done)
	case *actor.Stopping:
		if s.timer != nil {
			s.timer.Stop()
		}
		s.flush(nil)
	}
}

// add holds c for the next flush, which it schedules if none is.
func (s *stateActor) add(ctx actor.Context, c runstate.Change) {
	s.pending = append(s.pending, c)
	if s.scheduled {
		return
	}
	s.schedule(ctx, stateWriteInterval-time.Since(s.lastWrite))
}

// schedule sends a flushState after wait (at once, behind the messages
// already queued, if wait ≤ 0).
func (s *stateActor) schedule(ctx actor.Context, wait time.Duration) {
	s.scheduled = true
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
	switch {
	case !s.store.Behind():
		if s.retry != 0 {
			s.log.Info("the state file is written again")
			s.retry = 0
		}
		if err != nil {
			s.log.Warn("invalid state change", "err", err)
		}
	case s.retry == 0:
		s.log.Warn("writing the state file failed; retrying", "err", err)
		s.retry = cmp.Or(s.retryMin, stateRetryMin)
	default:
		s.retry = min(2*s.retry, stateRetryMax)
	}
	if s.retry != 0 && ctx != nil && !s.scheduled {
		s.schedule(ctx, s.retry)
	}
}
