package transport

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// maxRequestBody is the largest request body the handler accepts.
const maxRequestBody = 1 << 20

// errBodyTooLarge is the message of a 413 answer.
const errBodyTooLarge = "request body too large (at most 1 MiB)"

// healthPath is the liveness route, the only one a TCP client may use
// without a token.
const healthPath = "/healthz"

// HandlerOptions configures [NewHandler].
type HandlerOptions struct {
	// Logger receives a debug record per request and an error record per
	// recovered panic or internal error. Nil discards everything.
	Logger *slog.Logger
	// Version is reported by GET /v1/version.
	Version string
}

// NewHandler returns the HTTP handler of the control API (see the package
// documentation for the routes) serving b.
func NewHandler(b Backend, opts HandlerOptions) http.Handler {
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	h := &handler{backend: b, logger: logger, version: opts.Version, mux: http.NewServeMux(), writeTimeout: writeTimeout}
	for _, rt := range h.routes() {
		serve := rt.serve
		if !rt.body && rt.path != healthPath {
			serve = noBody(serve)
		}
		if rt.body {
			serve = identityBody(serve)
		}
		if !rt.query && rt.path != healthPath {
			serve = noQuery(serve) // checked first
		}
		h.mux.HandleFunc(rt.method+" "+rt.path, serve)
	}
	return h
}

// route is one entry of the API's route table.
type route struct {
	method string // GET also answers HEAD, as net/http does
	path   string // a ServeMux path pattern, which is also OpenAPI's syntax
	serve  http.HandlerFunc
	// query is true for the routes that read a query string (logs,
	// events: they check it themselves); the others refuse one, but
	// /healthz, which ignores it.
	query bool
	// body is true for the routes that read a request body (signal, a
	// definition's PUT); the others refuse one, but /healthz.
	body bool
}

// routes is the API's route table, in the order of the package
// documentation; the OpenAPI document describes exactly these.
func (h *handler) routes() []route {
	return []route{
		{http.MethodGet, "/v1/services", h.list, false, false},
		{http.MethodGet, "/v1/services/{name}", h.serviceOp(Backend.Status), false, false},
		{http.MethodPost, "/v1/services/{name}/start", h.serviceOp(Backend.Start), false, false},
		{http.MethodPost, "/v1/services/{name}/stop", h.serviceOp(Backend.Stop), false, false},
		{http.MethodPost, "/v1/services/{name}/restart", h.serviceOp(Backend.Restart), false, false},
		{http.MethodPost, "/v1/services/{name}/signal", h.signal, false, true},
		{http.MethodGet, "/v1/services/{name}/logs", h.logs, true, false},
		{http.MethodGet, "/v1/services/{name}/definition", h.getDefinition, false, false},
		{http.MethodPut, "/v1/services/{name}/definition", h.putDefinition, false, true},
		{http.MethodDelete, "/v1/services/{name}/definition", h.deleteDefinition, false, false},
		{http.MethodGet, "/v1/config/errors", h.configErrorsOp(Backend.ConfigErrors), false, false},
		{http.MethodPost, "/v1/config/check", h.configErrorsOp(Backend.CheckConfig), false, false},
		{http.MethodPost, "/v1/reload", h.reload, false, false},
		{http.MethodGet, "/v1/events", h.events, true, false},
		{http.MethodGet, "/v1/usage", h.usage, false, false},
		{http.MethodGet, "/v1/version", h.versionInfo, false, false},
		{http.MethodGet, "/v1/openapi.json", serveOpenAPI, false, false},
		{http.MethodGet, healthPath, h.health, false, false},
	}
}

type handler struct {
	backend Backend
	logger  *slog.Logger
	version string
	mux     *http.ServeMux
	// writeTimeout is writeTimeout, but for tests.
	writeTimeout time.Duration
	// bodies holds buffers (*[]byte) for the answers to lists of
	// services, which run to hundreds of kilobytes: reused, they spare
	// the garbage collector.
	bodies sync.Pool
}

// maxPooledBody bounds the buffers kept in handler.bodies: some 20 000
// services.
const maxPooledBody = 4 << 20

// writeTimeout bounds how long a client may take to accept an answer, from
// its header on, and each chunk of a streamed answer (logs, events): one
// that stops reading (a suspended supers logs -f, a stalled dashboard, a
// script piping a long list into a pager it left) is cut after that long,
// instead of holding its connection, a goroutine and what it reads for as
// long as it stalls. The server has no WriteTimeout: a stop may take long
// before its answer, and a whole stream may last hours.
const writeTimeout = time.Minute

// streamWriteFailed logs, when err (a failed write or flush of a
// streamed answer) comes from the write deadline, that the client was cut
// for leaving the answer unread (see writeTimeout): neither side would
// otherwise say why a follower stopped. A client that went away is not
// worth a record.
func (h *handler) streamWriteFailed(r *http.Request, err error) {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		h.logger.Info("stream cut: the client left it unread", "method", r.Method, "path", r.URL.Path, "waited", h.writeTimeout)
	}
}

// streamChunk arms the write deadline of the next chunk of a streamed
// answer (see writeTimeout). A ResponseWriter that has no deadlines (a test
// recorder) is not bounded.
func (h *handler) streamChunk(ctl *http.ResponseController) {
	_ = ctl.SetWriteDeadline(time.Now().Add(h.writeTimeout))
}

// ServeHTTP adds what the mux lacks: panic recovery (a 500, or the answer
// cut once it has begun), the body size limit,
// JSON 404/405 answers (a path that is not clean is a 404 too, where the
// mux would redirect) and a debug log record per request.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	// The deadline an answer before this one on the connection armed is
	// void: this request's own answer arms one when it starts (see
	// responseWriter.WriteHeader), and nothing must fail before that.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
	rw := &responseWriter{ResponseWriter: w, writeTimeout: h.writeTimeout}
	defer func() {
		v := recover()
		// A handler cutting its answer (http.ErrAbortHandler), or a panic
		// once the answer had begun: the answer is cut, so that the
		// client does not take what was sent (part of a log, of an event
		// stream) for the whole.
		aborted := v == http.ErrAbortHandler //nolint:errorlint // sentinel value compared as net/http does
		cut := aborted || v != nil && rw.wroteHeader
		if v != nil && !aborted {
			h.logger.Error("control request panicked",
				"method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			if !cut {
				writeError(rw, http.StatusInternalServerError, "internal error")
			}
		}
		args := []any{"method", r.Method, "path", r.URL.Path, "status", rw.status,
			"duration", time.Since(start), "remote", r.RemoteAddr}
		if cut {
			args = append(args, "cut", true)
		}
		h.logger.Debug("control request", args...)
		if cut {
			panic(http.ErrAbortHandler)
		}
	}()

	if r.ContentLength > maxRequestBody {
		writeError(rw, http.StatusRequestEntityTooLarge, errBodyTooLarge)
		return
	}
	r.Body = http.MaxBytesReader(rw, r.Body, maxRequestBody)

	switch {
	case r.URL.Path == "*": // "OPTIONS *": no route, and no clean path to suggest
		writeError(rw, http.StatusNotFound, fmt.Sprintf("no such route: %s *", r.Method))
		return
	case r.URL.Path == "" && r.URL.Host != "": // "CONNECT host:port": no path at all
		writeError(rw, http.StatusNotFound, fmt.Sprintf("no such route: %s %s", r.Method, r.URL.Host))
		return
	}
	// Judged escaped, as the mux routes it: an escaped "/" or ".." is
	// part of a path segment (a service name superd refuses), not a
	// path of its own.
	if escaped := r.URL.EscapedPath(); cleanPath(escaped) != escaped {
		// The mux would redirect to the clean path, with an HTML body,
		// and curl -f takes a redirect for a success: a POST would
		// silently do nothing.
		writeError(rw, http.StatusNotFound, fmt.Sprintf("no such route: %s %s (did you mean %s?)", r.Method, escaped, cleanPath(escaped)))
		return
	}
	if fallback, pattern := h.mux.Handler(r); pattern == "" {
		// Not found or method not allowed: let the mux decide which (and
		// compute the Allow header), but answer in JSON.
		rec := &headerRecorder{header: http.Header{}}
		fallback.ServeHTTP(rec, r)
		switch rec.status {
		case http.StatusMethodNotAllowed:
			if allow := rec.header.Get("Allow"); allow != "" {
				rw.Header().Set("Allow", allow)
			}
			writeError(rw, rec.status, fmt.Sprintf("method %s not allowed on %s", r.Method, r.URL.Path))
		default:
			writeError(rw, http.StatusNotFound, fmt.Sprintf("no such route: %s %s", r.Method, r.URL.Path))
		}
		return
	}
	h.mux.ServeHTTP(rw, r)
}

// cleanPath is p as http.ServeMux cleans it before routing: rooted,
// without "//", "." or ".." elements, with its trailing slash kept.
func cleanPath(p string) string {
	if p == "" || p[0] != '/' {
		p = "/" + p
	}
	clean := path.Clean(p)
	if strings.HasSuffix(p, "/") && clean != "/" {
		clean += "/"
	}
	return clean
}

func (h *handler) list(w http.ResponseWriter, r *http.Request) {
	services, err := h.backend.List(r.Context())
	if err != nil {
		h.writeBackendError(w, r, err)
		return
	}
	if services == nil {
		services = []ServiceStatus{}
	}
	bp, _ := h.bodies.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	body, err := appendStatuses((*bp)[:0], services)
	writeBody(w, http.StatusOK, body, err)
	// Reused once Write returns: HTTP/1.1's Write has copied or sent it
	// by then (the socket and the TCP API speak nothing else). An HTTP/2
	// stream's Write may return while a frame still points at it, so
	// enabling HTTP/2 would need the buffer left to the collector.
	if cap(body) <= maxPooledBody {
		*bp = body[:0]
		h.bodies.Put(bp)
	}
}

// serviceOp adapts one of the per-service Backend methods to a handler.
func (h *handler) serviceOp(op func(Backend, context.Context, string) (ServiceStatus, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		st, err := op(h.backend, r.Context(), r.PathValue("name"))
		if err != nil && !(errors.Is(err, ErrStartFailed) && st.Name != "") {
			h.writeBackendError(w, r, err)
			return
		}
		// A start whose program could not be executed was carried out: the
		// answer is the service's status, which says why it failed.
		if err != nil && st.Error == "" {
			st.Error = err.Error()
		}
		writeJSON(w, http.StatusOK, st)
	}
}

// configErrorsOp adapts a Backend method returning config errors (the last
// load's, or a check's) to a handler answering ConfigErrors.
func (h *handler) configErrorsOp(op func(Backend, context.Context) ([]ConfigError, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		errs, err := op(h.backend, r.Context())
		if err != nil {
			h.writeBackendError(w, r, err)
			return
		}
		if errs == nil {
			errs = []ConfigError{}
		}
		writeJSON(w, http.StatusOK, ConfigErrors{Errors: errs})
	}
}

func (h *handler) reload(w http.ResponseWriter, r *http.Request) {
	res, err := h.backend.Reload(r.Context())
	if err != nil {
		h.writeBackendError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res.normalized())
}

// usage serves GET /v1/usage: 501 from a backend that cannot tell.
func (h *handler) usage(w http.ResponseWriter, r *http.Request) {
	ub, ok := h.backend.(UsageBackend)
	if !ok {
		writeError(w, http.StatusNotImplemented, "this server does not report resource usage")
		return
	}
	list, err := ub.Usage(r.Context())
	if errors.Is(err, errors.ErrUnsupported) {
		writeError(w, http.StatusNotImplemented, err.Error())
		return
	}
	if err != nil {
		h.writeBackendError(w, r, err)
		return
	}
	if list == nil {
		list = []ServiceUsage{}
	}
	writeJSON(w, http.StatusOK, list)
}

func (h *handler) versionInfo(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, VersionInfo{Version: h.version, GoVersion: runtime.Version()})
}

func (h *handler) health(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// writeBackendError maps err to a status code and writes it as JSON.
func (h *handler) writeBackendError(w http.ResponseWriter, r *http.Request, err error) {
	status := statusFor(err)
	if status == http.StatusInternalServerError {
		h.logger.Error("control request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	var invalid *InvalidDefinitionError
	if errors.As(err, &invalid) {
		writeJSON(w, status, ErrorBody{Error: err.Error(), Errors: invalid.Errors})
		return
	}
	msg := err.Error()
	if cause := context.Cause(r.Context()); errors.Is(err, context.Canceled) && cause != nil && cause != context.Canceled { //nolint:errorlint // the plain cause of a context canceled without one
		// The server canceled the request (it is shutting down, or the
		// token the request presented was replaced): the cause it gave
		// says why better than "context canceled".
		msg = cause.Error()
		if errors.Is(cause, ErrUnauthorized) {
			status = http.StatusUnauthorized
		}
	}
	if status == http.StatusUnauthorized {
		// As the token guard's own 401 (RFC 9110 requires the
		// challenge): a token replaced in its file while its request
		// waited.
		w.Header().Set("WWW-Authenticate", bearerChallenge)
		closeAfterAnswer(w)
	}
	body := ErrorBody{Error: msg}
	if status == http.StatusServiceUnavailable {
		// A client cannot tell the two causes apart by the route alone.
		body.Code = CodeUnavailable
		if errors.Is(err, ErrConfigUnavailable) {
			body.Code = CodeConfigUnavailable
		}
	}
	writeJSON(w, status, body)
}

// statusFor maps a backend error to its HTTP status code.
func statusFor(err error) int {
	switch {
	case errors.Is(err, ErrUnknownService):
		return http.StatusNotFound
	case errors.Is(err, ErrInvalidArgument):
		return http.StatusBadRequest
	case errors.Is(err, ErrConflict):
		return http.StatusConflict
	case errors.Is(err, ErrConfigUnavailable), errors.Is(err, ErrUnavailable):
		return http.StatusServiceUnavailable
	case errors.Is(err, ErrUnauthorized):
		return http.StatusUnauthorized
	case errors.Is(err, ErrForbidden):
		return http.StatusForbidden
	case errors.Is(err, ErrPreconditionFailed):
		return http.StatusPreconditionFailed
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout
	case errors.Is(err, context.Canceled):
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// closeAfterAnswer has the connection closed right after the answer about
// to be written on w, whatever is left of the request's body unread:
// "Connection: close", and a read deadline already past. Without the
// deadline, net/http would still wait, after the handler, for the rest of
// a declared body it reads to keep the connection (up to 256 KiB), until
// its ReadTimeout: a client refused without the token could hold one of
// the connection slots that long instead of the header timeout.
func closeAfterAnswer(w http.ResponseWriter) {
	w.Header().Set("Connection", "close")
	_ = http.NewResponseController(w).SetReadDeadline(time.Now()) // a recorder has none
}

// writeBodyReadError answers a request whose body could not be read
// because it is too large (413) or did not arrive within the server's
// ReadTimeout (408), and reports whether err was one of those.
func writeBodyReadError(w http.ResponseWriter, err error) bool {
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		writeError(w, http.StatusRequestEntityTooLarge, errBodyTooLarge)
	case errors.Is(err, os.ErrDeadlineExceeded):
		closeAfterAnswer(w) // the rest of the body is still to come
		writeError(w, http.StatusRequestTimeout, "request body not received in time")
	default:
		return false
	}
	return true
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, ErrorBody{Error: msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var (
		body []byte
		err  error
	)
	// A status, the most asked for, without json's reflection.
	if st, ok := v.(ServiceStatus); ok {
		body, err = marshalStatus(&st)
	} else {
		body, err = json.Marshal(v)
	}
	writeBody(w, status, body, err)
}

// writeBody writes body, v encoded as JSON, or the error of its encoding,
// as writeJSON does.
func writeBody(w http.ResponseWriter, status int, body []byte, err error) {
	if err != nil {
		// Only reachable with a value json cannot encode: a programming error.
		status = http.StatusInternalServerError
		body, _ = json.Marshal(ErrorBody{Error: "encoding response: " + err.Error()})
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	// Sized, not chunked: the client reads a large answer (a list of many
	// services) without chunk framing.
	w.Header().Set("Content-Length", strconv.Itoa(len(body)+1))
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

// responseWriter records the status code for logging and panic recovery,
// and bounds the time the client takes to accept the answer.
type responseWriter struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
	// writeTimeout, if positive, is armed as the connection's write
	// deadline when the header is written: the whole answer (net/http's
	// last flush after the handler returns included) must be accepted
	// within it. A streamed answer re-arms it for each chunk (streamChunk).
	writeTimeout time.Duration
}

func (w *responseWriter) WriteHeader(status int) {
	if !w.wroteHeader {
		w.status, w.wroteHeader = status, true
		if w.writeTimeout > 0 {
			// A ResponseWriter without deadlines (a test recorder) is not
			// bounded.
			_ = http.NewResponseController(w.ResponseWriter).SetWriteDeadline(time.Now().Add(w.writeTimeout))
		}
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *responseWriter) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the underlying writer (Flush,
// deadlines), which the event stream needs.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// headerRecorder captures the status and headers the mux's own 404/405
// handlers produce, and drops their plain-text body.
type headerRecorder struct {
	header http.Header
	status int
}

func (r *headerRecorder) Header() http.Header { return r.header }

func (r *headerRecorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *headerRecorder) Write(p []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return len(p), nil
}

// noQuery serves next only if the request's query string is empty: a
// parameter this route does not take is a 400 (see parseQuery), never
// ignored. Ignored, it would do what the client did not ask for: a reload
// for a "?dry_run=true", a delete without the condition it gave, all the
// services for a "?service=web".
func noQuery(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, err := parseQuery(r); err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		next(w, r)
	}
}

// noBody serves next only if the request has no body: a body this route
// does not read is a 400, never ignored, for the same reasons as a query
// string (see noQuery: a reload sent {"dry_run": true} must not reload).
// And an ignored body would be waited for after the action: one declared
// longer than it is, or sent slowly, held the answer of an action already
// carried out until the server's read timeout. A chunked body with
// nothing in it (only its last chunk) is no body.
func noBody(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		empty := r.ContentLength == 0
		if r.ContentLength < 0 {
			// Chunked, of unknown length: a client that streams its
			// body may send none (just the last chunk). One byte read
			// tells; the server's ReadTimeout bounds the wait for it.
			n, err := io.ReadFull(r.Body, make([]byte, 1))
			if n == 0 && err != nil && !errors.Is(err, io.EOF) && writeBodyReadError(w, err) {
				return
			}
			empty = n == 0 && errors.Is(err, io.EOF)
		}
		if !empty {
			// Answered at once, the body unread: the connection is
			// closed after the answer, instead of net/http waiting for
			// the body (to keep the connection) before it answers.
			closeAfterAnswer(w)
			writeError(w, http.StatusBadRequest, fmt.Sprintf("%s: %s %s takes no request body", ErrInvalidArgument, r.Method, r.URL.Path))
			return
		}
		next(w, r)
	}
}

// identityBody serves next only if the request's body has no content
// coding (no Content-Encoding, or identity): superd decodes none, and a
// coded body read as it is would be refused for what it is not (a gzipped
// definition as "not valid UTF-8"), or a body labelled with a coding it
// does not have taken as it is. Any other coding is a 415 naming it, with
// Accept-Encoding saying what is accepted (RFC 9110, section 12.5.3).
func identityBody(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for _, line := range r.Header.Values("Content-Encoding") {
			for coding := range strings.SplitSeq(line, ",") {
				coding = strings.TrimSpace(coding)
				if coding == "" || strings.EqualFold(coding, "identity") {
					continue
				}
				closeAfterAnswer(w) // the body is left unread
				w.Header().Set("Accept-Encoding", "identity")
				writeError(w, http.StatusUnsupportedMediaType,
					fmt.Sprintf("Content-Encoding %q is not supported: send the body without a content coding", oneLineHeader(coding)))
				return
			}
		}
		next(w, r)
	}
}

// oneLineHeader returns v, a header value quoted in a message, cut to 64
// bytes.
func oneLineHeader(v string) string {
	if len(v) > 64 {
		v = v[:64] + "..."
	}
	return v
}

// parseQuery returns the query string of r, whose parameters must be among
// known, each given at most once and with a value. A malformed query
// string (bad percent encoding, a ";"), an unknown parameter (a typo that
// would otherwise widen the answer), a repeated one or one without a value
// ("?service=", a script's unset variable, or a bare "?follow") is an
// error wrapping ErrInvalidArgument that names it, never a part left out.
func parseQuery(r *http.Request, known ...string) (url.Values, error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("%w: malformed query string: %w", ErrInvalidArgument, err)
	}
	for _, k := range slices.Sorted(maps.Keys(q)) {
		switch {
		case !slices.Contains(known, k) && len(known) == 0:
			return nil, fmt.Errorf("%w: unknown query parameter %q (%s %s takes none)", ErrInvalidArgument, k, r.Method, r.URL.Path)
		case !slices.Contains(known, k):
			return nil, fmt.Errorf("%w: unknown query parameter %q (known: %s)", ErrInvalidArgument, k, strings.Join(known, ", "))
		case len(q[k]) > 1:
			return nil, fmt.Errorf("%w: query parameter %s given %d times", ErrInvalidArgument, k, len(q[k]))
		case q[k][0] == "":
			return nil, fmt.Errorf("%w: query parameter %s has no value (leave it out for the default)", ErrInvalidArgument, k)
		}
	}
	return q, nil
}
