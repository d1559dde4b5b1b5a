// Package transport is superd's control protocol: HTTP/1.1 with JSON bodies,
// served on a Unix socket and, optionally, on TCP.
//
// It holds five things, all independent of how the supervisor is built:
//
//   - the wire types ([ServiceStatus], [ExitInfo], [ConfigErrors],
//     [ReloadResult], [VersionInfo], [SignalRequest], [LogQuery],
//     [ErrorBody]; events are notify.Event, streamed as [EventStream]
//     says), described by an OpenAPI 3.0 document served at
//     /v1/openapi.json;
//   - the server side: [NewHandler] turns any [Backend] into an
//     [http.Handler] that maps the backend's sentinel errors
//     ([ErrUnknownService], [ErrInvalidArgument], [ErrConflict],
//     [ErrConfigUnavailable]) to status codes, and [NewServer] wraps it in
//     an [http.Server] with sane limits;
//   - the Unix socket: [ListenUnix] (or [ListenUnixGroup], for a control
//     group) creates the socket next to a lock file so that only one daemon
//     serves a given path, [NewUnixServer] checks each peer's credentials
//     against a [SocketAccess], and [DefaultSocketPath] is the path both
//     superd and supers use when none is given;
//   - TCP: [ListenTCP] and [TCPHandler] serve the same API to token holders,
//     with [LoadOrCreateToken] managing the token file;
//   - the Go client, [Client] ([NewClient] for the socket, [NewRemoteClient]
//     for TCP), used by the supers CLI and by tests.
//
// # Routes
//
//	GET  /v1/services                  []ServiceStatus
//	GET  /v1/services/{name}           ServiceStatus
//	POST /v1/services/{name}/start     ServiceStatus once the process runs
//	POST /v1/services/{name}/stop      ServiceStatus once the process group is gone
//	POST /v1/services/{name}/restart   ServiceStatus
//	POST /v1/services/{name}/signal    body {"signal":"HUP"} (SignalRequest): ServiceStatus
//	GET  /v1/services/{name}/logs[?stream=stdout|stderr][&tail=N|all][&follow=true]
//	                                   text/plain: the last lines of the log, then
//	                                   with follow what is written next
//	GET    /v1/services/{name}/definition  Definition (ETag: its content hash)
//	PUT    /v1/services/{name}/definition  body: the INI text; DefinitionResult
//	                                   (201 when created); If-Match: "HASH" or *
//	DELETE /v1/services/{name}/definition  DefinitionResult; If-Match as for PUT
//	GET  /v1/config/errors             ConfigErrors: service files that failed to load, services not created
//	POST /v1/config/check              ConfigErrors: files of the config dir that fail
//	                                   to validate now; nothing is applied
//	POST /v1/reload                    ReloadResult: reread the config dir, apply changes
//	GET  /v1/events[?service=NAME][&follow=true]
//	                                   NDJSON (application/x-ndjson), one notify.Event
//	                                   a line: the recent events, oldest first, then
//	                                   with follow each new one as it happens
//	GET  /v1/usage                     []ServiceUsage: processes, memory and CPU time of
//	                                   each running service (its process group, and the
//	                                   daemons it started), read when asked; 501 where
//	                                   superd cannot tell (not Linux)
//	GET  /v1/version                   VersionInfo
//	GET  /v1/openapi.json              the OpenAPI 3.0 document of all this
//	GET  /healthz                      {"status":"ok"}
//
// Every list in a JSON answer is an array, never null: [] when empty.
// A route that takes no query parameter (all but logs, events and
// /healthz, which ignores them) answers one with a 400, as logs and events
// answer one they do not take: never an option or a filter left out.
// Likewise a route that takes no body (all but signal and a definition's
// PUT) answers one with a 400, at once and before anything is done,
// closing the connection instead of reading the body.
// GET routes also answer HEAD, with the headers of the GET and no body
// (a followed stream ends at once). The API never redirects: a path that
// is not clean ("//v1/services", "/v1/./services") is a 404 naming the
// clean one.
//
// The signal body is decoded strictly: malformed JSON, a missing, empty or
// repeated "signal" field or any other field (keys are case-sensitive) is
// a 400 naming the problem. The
// signal is a name, with or without SIG, in any case, or a number; an
// unknown one is a 400, a service that is not running a 409.
//
// The log answer is plain text streamed chunk by chunk, each chunk flushed
// as soon as it is read. stream defaults to stdout; tail, the number of
// last lines sent first, defaults to 10 as in tail(1), and "all" sends
// every rotated file kept, oldest first, then the live file (a negative
// number is a 400); follow then keeps the
// answer open, across log rotations, until the client goes away. Bad
// values are a 400 before anything is read. If reading the log fails
// midway, or, without follow, superd shuts down before the answer is
// sent, the connection is cut rather than ended, so that a truncated
// log never looks complete.
//
// A definition PUT takes the INI text (one sent as JSON, by its
// Content-Type, is a 415) and is
// validated as the config loader does; an invalid one is a 400 whose body
// also has "errors", one ConfigError per problem, and changes nothing.
// One written whose service cannot be created (its log directory refused,
// say) is a 200 whose [DefinitionResult] has the action
// [ActionNotCreated] and says why: the write was carried out.
// A name ending in ".service" (the file's name given for the service's)
// is a 400 with a hint, unless a service of that name already runs or a
// file of that name exists (one that did not load included).
// If-Match takes one strong tag (the hash, quoted, as the ETag) or *: a
// mismatch is a 412; a weak tag, a list (in one header line or several),
// an empty tag or a quoted "*" a 400, and so is an If-None-Match or
// If-Unmodified-Since, which the API does not evaluate on a write. A
// definition GET evaluates If-Match (412 on a mismatch) and If-None-Match
// (304 with the ETag when it names the hash). Over TCP,
// writes are refused (403) unless superd enables editing. On the socket,
// a member of the control group (a user other than root and superd's
// own) gets a 403 when it writes, replaces or removes a definition that
// would not run as itself (superd's --socket-allow-root-services lifts
// that). The Backend decides, from the [Caller] it is given.
//
// The event stream starts like any answer: an invalid service name (or
// follow value) is a 400 JSON error. Once the 200 is sent, it ends cleanly
// when the history is written (without follow), when superd ends it
// (shutting down, or dropping a client too slow to keep up), or when the
// client goes away. A valid name no service has matches only the
// config-error events that have no service (superd.conf, the config dir,
// a file whose name is not a valid service name): those are about every
// service, as they are for a webhook's Services=.
//
// Every error answer has the body {"error": "<message>"} ([ErrorBody]):
// 400 invalid argument, 401 missing or wrong token (TCP), 403 user not
// allowed (socket) or definition write refused (TCP; on the socket, a
// control group member's write, replacement or removal of a definition
// that does not run as itself), 404 unknown service or route, 405 wrong method (with
// an Allow header), 408 request body not received in time (the server's
// ReadTimeout), 409 conflict, 413 request body too large (over 1 MiB), 415
// a JSON body for a definition PUT, or a request body with a content
// coding (a Content-Encoding other than identity, which superd does not
// decode, named in the message), 421 Host not allowed (TCP), 500 internal error, 503 the configuration
// directory cannot be read (reload and check; nothing was changed) or the
// request was canceled (superd is shutting down) or the backend is not
// running ([ErrUnavailable]) or, on the socket, the connections kept for
// users other than root and superd's own are all taken (code
// "unavailable", like a shutdown's; its message, [TooManyConnections],
// tells it apart: superd is serving, and a later connection may be
// taken), 504 the backend's deadline expired. (What
// net/http answers itself, before the handler runs, is plain text: a 400
// for a request it cannot parse, a 431 for headers over its limit; headers
// not in within the timeout get no answer, the connection is closed.) A
// client that has not taken an answer a minute after its header was
// written is cut, and so is one that leaves a chunk of a streamed answer
// (logs, events) unread for a minute.
//
// # Unix socket
//
// The socket is mode 0660; with a control group ([ListenUnixGroup]) it
// belongs to that group, and so do the directories made for it (mode
// 0750). Its directory, if it existed, is given the group and mode 0750
// only when the group cannot search it and it is superd's own (owned by
// its user, holding only the socket and its lock and state files); one
// the group can search is left as it is. Any other directory is never
// changed: if the group cannot search it or an ancestor, listening fails
// and says what to change. The
// directory and its ancestors must belong to root or to superd's user and
// not be writable by every user unless sticky. A socket path is at most
// 107 bytes (103 on macOS and the BSDs), and a live socket of another
// program at the path is never replaced. On top of
// that, [NewUnixServer] reads the peer's credentials on each connection
// (SO_PEERCRED on Linux, LOCAL_PEERCRED on macOS and FreeBSD) and serves
// only root, superd's own user and members (primary or supplementary) of
// the control group ([DefaultSocketAccess]; on Linux the supplementary
// groups are read, as they were at connect (SO_PEERGROUPS; from /proc on
// kernels before 4.13), only for a peer its ids do not let in); anyone else gets a 403, its
// connection closed, and superd logs a warning naming the uid and pid. Other systems cannot tell,
// so there only the file permissions apply. No token is needed, and the
// Host is a placeholder:
//
//	curl --unix-socket /run/super/superd.sock http://superd/v1/services
//	curl --unix-socket /run/super/superd.sock -X POST http://superd/v1/services/web/restart
//	curl --unix-socket /run/super/superd.sock -X POST -d '{"signal":"HUP"}' http://superd/v1/services/web/signal
//	curl -N --unix-socket /run/super/superd.sock 'http://superd/v1/services/web/logs?tail=50&follow=true'
//	curl --unix-socket /run/super/superd.sock -X POST http://superd/v1/reload
//	curl -N --unix-socket /run/super/superd.sock 'http://superd/v1/events?follow=true'
//
// # TCP
//
// When superd is asked to (--http ADDR), it serves the same routes on TCP,
// behind [TCPHandler]:
//
//   - every request but GET /healthz needs "Authorization: Bearer TOKEN",
//     else it gets a 401 with "WWW-Authenticate: Bearer"; the token is
//     compared in constant time, and refusals are logged (remote address
//     and path, never a token), at most 20 every 10 s: the next record
//     counts those left out. The token is the content of a
//     token file; by default superd generates one at first start, 32
//     random bytes hex-encoded, in a 0600 file of the config dir, and
//     refuses a token file that others may read ([LoadOrCreateToken]);
//     with [TCPOptions.TokenFile] the file is read again when it changes
//     on disk (a rotation without a restart), and a changed file that
//     cannot be used leaves the token in force, with a warning;
//   - the Host header must name localhost, a loopback address or one of
//     the configured extra host names, with any port, else the request gets
//     a 421: a web page cannot reach the API through DNS rebinding;
//   - no CORS header is ever sent: a browser's CORS preflight (OPTIONS,
//     which carries no token) gets a 401, and an OPTIONS with the token a
//     405 like any unrouted method, so browsers get no cross-origin access;
//   - [ListenTCP] serves a loopback address (127.0.0.1:8080, [::1]:8080,
//     localhost:8080) as is; any other (":8080", "0.0.0.0:8080", a routable
//     address) needs TLS (a certificate and key, read again at the first
//     handshake after either changed on disk) or an explicit insecure
//     opt-in, and superd logs a warning saying so;
//   - the server has the limits of [NewServer]: 5 s to read the headers,
//     about 20 KiB of headers, 60 s idle connections, 1 MiB bodies; and
//     [ListenTCP] serves at most 256 connections at once (more wait until
//     one closes), so that clients cannot take all of superd's file
//     descriptors.
//
// With curl (PORT and TOKENFILE as configured):
//
//	curl -H "Authorization: Bearer $(cat TOKENFILE)" http://127.0.0.1:PORT/v1/services
//	curl -H "Authorization: Bearer $(cat TOKENFILE)" -X POST http://127.0.0.1:PORT/v1/services/web/restart
//	curl -N -H "Authorization: Bearer $(cat TOKENFILE)" 'http://127.0.0.1:PORT/v1/services/web/logs?follow=true'
//	curl http://127.0.0.1:PORT/healthz
//
// A backend can tell the two apart: [RemoteFromContext] reports a request
// that came through TCPHandler, [PeerFromContext] gives the credentials of
// a socket peer.
//
// The package imports nothing from the rest of the module but notify, for
// the event schema, and config/flock and config/pathsafe, for the socket's
// lock and the checks of its directories; the supervisor plugs in by
// implementing [Backend].
package transport
