package actors

import (
	"log/slog"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/supers-dev/supers/actors/runstate"
)

// stateActor owns superd's state file (see actors/runstate): which process
// group each service runs, so that a superd restarted after a crash can kill
// what its predecessor left, and which services the operator stopped, so
// that they stay stopped. Service actors tell it about starts, exits and
// operator stops with fire-and-forget messages, so the disk writes (with
// fsync) stay off the restart path.
//
// Changes are written in batches: the first change after a write sends the
// actor a flushState, which the mailbox delivers after every message queued
// before it, so a burst of starts (a thousand services at boot) costs one
// write of the file instead of one per start, and a lone change is written
// as soon as the actor gets to it.
type stateActor struct {
	store   *runstate.Store
	log     *slog.Logger
	pending []runstate.Change
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
	case flushState, *actor.Stopping:
		s.flush()
	}
}

// add holds c for the next flush, which it schedules if none is.
func (s *stateActor) add(ctx actor.Context, c runstate.Change) {
	if len(s.pending) == 0 {
		ctx.Send(ctx.Self(), flushState{})
	}
	s.pending = append(s.pending, c)
}

// flush writes the changes held since the last flush.
func (s *stateActor) flush() {
	if len(s.pending) == 0 {
		return
	}
	err := s.store.Apply(s.pending...)
	clear(s.pending)
	s.pending = s.pending[:0]
	if err != nil {
		s.log.Warn("writing the state file failed", "err", err)
	}
}
