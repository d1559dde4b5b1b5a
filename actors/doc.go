// Package actors is the supers supervisor: an actor system (on
// protoactor-go) that runs services, restarts them by their policies,
// captures their logs, records its state, publishes events and serves the
// control API. superd is a thin program around it; other Go programs embed
// it the same way (see examples/embedded):
//
//	sup, err := actors.New(actors.Config{Services: specs, LogDir: dir})
//	...
//	ctx, cancel := context.WithCancel(ctx)
//	errc := make(chan error, 1)
//	go func() { errc <- sup.Run(ctx) }() // until ctx ends: stops every service, then returns
//	select {
//	case <-sup.Ready():
//	case err := <-errc: // could not start: Ready is never closed
//		return err
//	}
//	st, err := sup.Status(ctx, "web")
//	...
//	cancel()
//	return <-errc // once Run has returned, every service has stopped
//
// Services run until Run returns, not until the program moves on: a
// program that gives up early (an error after Ready) still cancels Run's
// context and waits for Run, as examples/embedded does.
//
// Every method of [Supervisor] is a message to an actor: each service is
// an actor whose mailbox serializes its start, stop and exit messages, and
// no other goroutine touches a service's state. ARCHITECTURE.md, at the
// root of the repository, lists the actors, their messages and the import
// rules; no exported name of this package shows a protoactor type.
//
// # Shutdown
//
// Once Run's context is done, the supervisor takes no new connection and
// no new command: Start, Stop, Restart, Signal, Reload, CheckConfig and the
// definition writes return an error matching [ErrNotRunning] ("superd is
// shutting down"), and one already waiting for its answer gets it a
// second later (its answer is cut, not its action: a stop under way goes
// on); queries are still answered. Then every service stops. A live
// stream of Events gets every event until then (the stop of each running
// service), then its channel is closed; a followed Logs stream ends once
// the services' last output is written. Run then takes its actors down,
// and the queries return ErrNotRunning too. After Run has returned, the
// service methods return ErrNotRunning.
//
// # Errors
//
// The methods' errors match, with [errors.Is], the sentinels of package
// transport that the control API maps to its status codes: a name no
// service has, [transport.ErrUnknownService]; a bad argument (a malformed
// name, an unknown signal or log stream), [transport.ErrInvalidArgument];
// an action the service's state or origin forbids (a signal to a service
// without a process, a definition read or write for a service of
// [Config.Services], with a ConfigDir or without), [transport.ErrConflict];
// no config dir to read (none configured, or missing),
// [transport.ErrConfigUnavailable]; a
// definition write that the access rules refuse for its caller (see
// [Supervisor.PutDefinition]), [transport.ErrForbidden], and one whose
// If-Match does not match the file, [transport.ErrPreconditionFailed]. A
// start whose program could not be executed matches [ErrStartFailed]; a
// supervisor not running, [ErrNotRunning]; and a call whose context ended
// first, the context's error.
//
// # Process-wide state
//
// Supervisors of one process share nothing but the process itself. Two
// supervisors, of one process or of two, cannot be given the same
// ConfigDir, Socket or StateFile: the second one's Run fails (each is
// locked). Nothing keeps them from sharing a LogDir, though: give each
// its own, or two services of one name write the same log files.
//
// With [Config.Subreaper] the process becomes the child subreaper and reaps
// every child it has: a Supervisor that sets it must be the only one of
// its process while it runs (Run fails with an error wrapping
// process.ErrSubreaperInUse for it while another runs, and for another
// while it runs: it would take their exit statuses), and meanwhile the
// program must not run children of its own (the same would happen to
// them). Run
// then marks close-on-exec every descriptor the process has open from 3
// up (those it inherited too), so that no service gets them, and owns the
// process's disposition of SIGPIPE: each service's process starts with it
// ignored or at its default action, as its IgnoreSIGPIPE= says, and the
// program handles or ignores SIGPIPE from then on (see
// process.Options.Subreaper for the one instant it does neither).
// Without it, a Supervisor reaps only the children it started, changes no
// signal disposition, signal mask or umask of the program, and leaves its
// descriptors alone: one the program inherited or opened without
// close-on-exec (package os sets it on every file it opens) reaches the
// services, which also get the program's own disposition of SIGPIPE
// whatever IgnoreSIGPIPE= says (a Go program's: the default action,
// unless it calls signal.Ignore(syscall.SIGPIPE)).
//
// Importing this package links, through protoactor's metrics
// dependencies (OpenTelemetry's Prometheus exporter), package expvar, whose
// init registers /debug/vars on [net/http.DefaultServeMux]: a program that
// serves DefaultServeMux (http.ListenAndServe(addr, nil)) publishes its
// command line and memory statistics there. Serve a mux of your own; the
// supervisor's control API does not serve that path.
//
// # Memory
//
// protoactor's process registry splits each of its 1024 buckets into
// github.com/orcaman/concurrent-map's SHARD_COUNT (32) maps: about 2.7 MiB
// of heap with Go 1.26 (about 3 MiB of RSS), whatever the number of actors. superd sets cmap.SHARD_COUNT to 1 first
// thing in main, before any actor system exists (it must not change while
// one does); an embedding program that wants the same saving does the same.
// This package does not touch that process-wide setting itself.
package actors
