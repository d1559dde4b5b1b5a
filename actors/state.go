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
type stateActor struct {
	store *runstate.Store
	log   *slog.Logger
}

// Receive implements actor.Actor.
func (s *stateActor) Receive(ctx actor.Context) {
	var err error
	switch m := ctx.Message().(type) {
	case *processStarted:
		err = s.store.SetRunning(m.record)
	case *processEnded:
		err = s.store.ClearRunning(m.service)
	case *operatorIntent:
		err = s.store.SetStopped(m.service, m.stopped)
	}
	if err != nil {
		s.log.Warn("writing the state file failed", "err", err)
	}
}
