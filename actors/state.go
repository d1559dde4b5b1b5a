package actors

import (
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
}

// stateStore is what the stateActor needs of a *runstate.Store.
type stateStore interface {
	Apply(changes ...runstate.Change) error
}

// flushState tells the stateActor to write the changes it holds.
type flushState struct{}

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
		s.flush()
	case *actor.Stopping:
		if s.timer != nil {
			s.timer.Stop()
		}
		s.flush()
	}
}

// add holds c for the next flush, which it schedules if none is.
func (s *stateActor) add(ctx actor.Context, c runstate.Change) {
	s.pending = append(s.pending, c)
	if s.scheduled {
		return
	}
	s.scheduled = true
	wait := stateWriteInterval - time.Since(s.lastWrite)
	if wait <= 0 {
		ctx.Send(ctx.Self(), flushState{})
		return
	}
	root, self := ctx.ActorSystem().Root, ctx.Self()
	s.timer = time.AfterFunc(wait, func() { root.Send(self, flushState{}) })
}

// flush writes the changes held since the last flush.
func (s *stateActor) flush() {
	if len(s.pending) == 0 {
		return
	}
	err := s.store.Apply(s.pending...)
	clear(s.pending)
	s.pending = s.pending[:0]
	s.lastWrite = time.Now()
	if err != nil {
		s.log.Warn("writing the state file failed", "err", err)
	}
}
