// Package transport is superd's control protocol: HTTP/1.1 with JSON bodies,
// served on a Unix socket (and, later, on TCP).
//
// It holds four things, all independent of how the supervisor is built:
//
//   - the wire types ([ServiceStatus], [ExitInfo], [ConfigErrors],
//     [ReloadResult], [VersionInfo], [ErrorBody]; events are
//     notify.Event, streamed as [EventStream] says);
//   - the server side: [NewHandler] turns any [Backend] into an
//     [http.Handler] that maps the backend's sentinel errors
//     ([ErrUnknownService], [ErrInvalidArgument], [ErrConflict],
//     [ErrConfigUnavailable]) to status codes, and [NewServer] wraps it in
//     an [http.Server] with sane limits;
//   - the Unix socket: [ListenUnix] creates the socket next to a lock file so
//     that only one daemon serves a given path, and [DefaultSocketPath] is
//     the path both superd and supers use when none is given;
//   - the Go client, [Client], used by the supers CLI and by tests.
//
// # Routes
//
//	GET  /v1/services                  []ServiceStatus
//	GET  /v1/services/{name}           ServiceStatus
//	POST /v1/services/{name}/start     ServiceStatus once the process runs
//	POST /v1/services/{name}/stop      ServiceStatus once the process group is gone
//	POST /v1/services/{name}/restart   ServiceStatus
//	GET  /v1/config/errors             ConfigErrors: service files that failed to load
//	POST /v1/config/check              ConfigErrors: files of the config dir that fail
//	                                   to validate now; nothing is applied
//	POST /v1/reload                    ReloadResult: reread the config dir, apply changes
//	GET  /v1/events[?service=NAME][&follow=true]
//	                                   NDJSON (application/x-ndjson), one notify.Event
//	                                   a line: the recent events, oldest first, then
//	                                   with follow each new one as it happens
//	GET  /v1/version                   VersionInfo
//	GET  /healthz                      {"status":"ok"}
//
// Every list in a JSON answer is an array, never null: [] when empty.
//
// The event stream starts like any answer: an invalid service name (or
// follow value) is a 400 JSON error. Once the 200 is sent, it ends cleanly
// when the history is written (without follow), when superd ends it
// (shutting down, or dropping a client too slow to keep up), or when the
// client goes away. A valid name no service has matches nothing.
//
// Every error answer has the body {"error": "<message>"} ([ErrorBody]):
// 400 invalid argument, 404 unknown service or route, 405 wrong method (with
// an Allow header), 409 conflict, 413 request body too large, 500 internal
// error, 503 the configuration directory cannot be read (reload and check;
// nothing was changed) or the request was canceled (superd is shutting
// down), 504 the backend's deadline expired.
//
// With curl:
//
//	curl --unix-socket /run/super/superd.sock http://superd/v1/services
//	curl --unix-socket /run/super/superd.sock -X POST http://superd/v1/services/web/restart
//	curl --unix-socket /run/super/superd.sock -X POST http://superd/v1/reload
//	curl -N --unix-socket /run/super/superd.sock 'http://superd/v1/events?follow=true'
//
// The package imports nothing from the rest of the module but notify, for
// the event schema; the supervisor plugs in by implementing [Backend].
package transport
