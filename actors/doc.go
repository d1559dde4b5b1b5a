// Package actors is the supers supervisor: an actor system (on
// protoactor-go) that runs services, restarts them by their policies,
// captures their logs, records its state, publishes events and serves the
// control API. superd is a thin program around it; other Go programs embed
// it the same way (see examples/embedded):
//
//	sup, err := actors.New(actors.Config{Services: specs, LogDir: dir})
//	...
//	errc := make(chan error, 1)
//	go func() { errc <- sup.Run(ctx) }() // until ctx ends: stops every service, then returns
//	select {
//	case <-sup.Ready():
//	case err := <-errc: // could not start: Ready is never closed
//		return err
//	}
//	st, err := sup.Status(ctx, "web")
//
// Every method of [Supervisor] is a message to an actor: each service is
// an actor whose mailbox serializes its start, stop and exit messages, and
// no other goroutine touches a service's state. ARCHITECTURE.md, at the
// root of the repository, lists the actors, their messages and the import
// rules; no exported name of this package shows a protoactor type.
//
// # Memory
//
// protoactor's process registry splits each of its 1024 buckets into
// github.com/orcaman/concurrent-map's SHARD_COUNT (32) maps: about 5.5 MiB
// whatever the number of actors. superd sets cmap.SHARD_COUNT to 1 first
// thing in main, before any actor system exists (it must not change while
// one does); an embedding program that wants the same saving does the same.
// This package does not touch that process-wide setting itself.
package actors
