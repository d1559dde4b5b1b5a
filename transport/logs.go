package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
)

// logChunk is the most the logs handler reads (and then sends and flushes)
// at a time.
const logChunk = 32 << 10

// logsContentType is the media type of a logs answer: text, without a
// charset, since its bytes are the service's own, UTF-8 or not.
const logsContentType = "text/plain"

// tailAll is the tail parameter asking for the whole file.
const tailAll = "all"

// parseLogQuery reads the query string of GET /v1/services/{name}/logs,
// filling in the defaults: stdout, the last DefaultLogTail lines, no
// follow. Its errors wrap ErrInvalidArgument and name the parameter.
func parseLogQuery(v url.Values) (LogQuery, error) {
	q := LogQuery{Stream: StreamStdout, Tail: DefaultLogTail}
	switch s := v.Get("stream"); s {
	case "", StreamStdout:
	case StreamStderr:
		q.Stream = StreamStderr
	default:
		return LogQuery{}, fmt.Errorf("%w: stream=%q: want %s or %s", ErrInvalidArgument, s, StreamStdout, StreamStderr)
	}
	switch s := v.Get("tail"); s {
	case "":
	case tailAll:
		q.Tail = -1
	default:
		n, err := ParseLineCount(s)
		if err != nil {
			return LogQuery{}, fmt.Errorf("%w: tail=%q: %w", ErrInvalidArgument, s, err)
		}
		q.Tail = n
	}
	if s := v.Get("follow"); s != "" {
		var err error
		if q.Follow, err = strconv.ParseBool(s); err != nil {
			return LogQuery{}, fmt.Errorf("%w: follow=%q is not a boolean", ErrInvalidArgument, s)
		}
	}
	return q, nil
}

// logs serves GET /v1/services/{name}/logs as text/plain: the backend's
// reader copied chunk by chunk, each chunk flushed at once. It ends when
// the reader ends or the client goes away; a read error, or the end of the
// request before the end of a log read without follow (superd shutting
// down), cuts the connection, so that the client does not take a
// truncated log for a complete one.
func (h *handler) logs(w http.ResponseWriter, r *http.Request) {
	v, err := parseQuery(r, "stream", "tail", "follow")
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	q, err := parseLogQuery(v)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	rc, err := h.backend.Logs(r.Context(), r.PathValue("name"), q)
	if err != nil {
		h.writeBackendError(w, r, err)
		return
	}
	defer rc.Close()

	// No charset: the bytes are the service's, as it wrote them, UTF-8 or
	// not, and a client that trusts a charset would replace the others.
	w.Header().Set("Content-Type", logsContentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return // a follower would otherwise hold the request open for nothing
	}
	ctl := http.NewResponseController(w)
	// Flush at once, even before any output: a follower sees the answer
	// start.
	h.streamChunk(ctl)
	if err := ctl.Flush(); err != nil {
		h.streamWriteFailed(r, err)
		return
	}
	buf := make([]byte, logChunk)
	for {
		n, err := rc.Read(buf)
		if n > 0 {
			h.streamChunk(ctl)
			_, werr := w.Write(buf[:n])
			if werr == nil {
				werr = ctl.Flush()
			}
			if werr != nil {
				h.streamWriteFailed(r, werr) // or the client went away
				return
			}
		}
		switch {
		case err == nil:
		case errors.Is(context.Cause(r.Context()), ErrUnauthorized):
			// Its token was replaced: cut, not ended, so that the
			// follower does not take it for superd closing the stream.
			panic(http.ErrAbortHandler)
		case r.Context().Err() != nil:
			// The request ended before the reader's end (superd shutting
			// down cancels the requests still in flight, which closes the
			// reader: it says io.EOF): cut, so that the part sent never
			// looks like the whole log. A follower too: superd ends it
			// itself at shutdown, once it has read the services' last
			// output, with its request still going. A client gone misses
			// nothing.
			panic(http.ErrAbortHandler)
		case errors.Is(err, io.EOF):
			// The end of the answer is one more chunk: it gets its own
			// time, not what is left of the last chunk's, which a quiet
			// followed log has used up.
			h.streamChunk(ctl)
			return
		default:
			h.logger.Error("reading service logs", "method", r.Method, "path", r.URL.Path, "err", err)
			panic(http.ErrAbortHandler)
		}
	}
}

// Logs returns the named service's log output as q says: the last q.Tail
// lines of q.Stream ("" means stdout) — all of them when q.Tail < 0, none
// when it is 0 (q is sent as is: [DefaultLogTail] applies only to requests
// without a tail) — and with q.Follow whatever is written next, until ctx
// ends. The caller must close the reader. When ctx ends, a Read returns
// an error wrapping ctx.Err().
//
// An unknown service is an *[APIError] matching [ErrUnknownService]; bad
// query values one matching [ErrInvalidArgument].
func (c *Client) Logs(ctx context.Context, name string, q LogQuery) (io.ReadCloser, error) {
	path, err := servicePath(name, "logs")
	if err != nil {
		return nil, err
	}
	v := url.Values{}
	if q.Stream != "" {
		v.Set("stream", q.Stream)
	}
	if q.Tail < 0 {
		v.Set("tail", tailAll)
	} else {
		v.Set("tail", strconv.Itoa(q.Tail))
	}
	if q.Follow {
		v.Set("follow", "true")
	}
	path += "?" + v.Encode()
	req, err := c.newRequest(ctx, http.MethodGet, path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/plain")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, c.transportError(ctx, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		defer resp.Body.Close()
		return nil, c.readAPIError(resp, name)
	}
	return &logReader{body: resp.Body, ctxErr: ctx.Err, target: c.target}, nil
}

// logReader is the body of a logs answer, with errors that say what
// happened.
type logReader struct {
	body   io.ReadCloser
	ctxErr func() error // the request context's Err
	target string
}

// Read reads from the answer. It returns io.EOF at the end of the answer,
// an error wrapping the context's error once the request's context has
// ended.
func (l *logReader) Read(p []byte) (int, error) {
	n, err := l.body.Read(p)
	switch {
	case err == nil, err == io.EOF: //nolint:errorlint // io.EOF is returned unwrapped by Read
		return n, err
	case l.ctxErr() != nil:
		return n, fmt.Errorf("reading logs from superd: %w", l.ctxErr())
	default:
		return n, fmt.Errorf("reading logs from superd at %s: %w", l.target, err)
	}
}

// Close closes the answer.
func (l *logReader) Close() error { return l.body.Close() }

// ParseLineCount parses a number of lines to show (0 or more), as
// supers logs -n and the logs query's tail take it, or "all" (-1). Digits
// only: strconv.Atoi also takes a sign, and "+5" would mean "from line 5"
// to a user of tail(1). Its errors do not repeat s.
func ParseLineCount(s string) (int, error) {
	if s == tailAll {
		return -1, nil
	}
	n, err := strconv.Atoi(s)
	switch {
	case errors.Is(err, strconv.ErrRange) && allDigits(s):
		// A number of lines all the same: saying it is not one would
		// puzzle. Only digits: Atoi reports the range before a later
		// character that makes it no number.
		return 0, fmt.Errorf("too large: at most %d lines, or %q", math.MaxInt, tailAll)
	case err != nil || n < 0 || s[0] == '+':
		return 0, fmt.Errorf("want a number of lines (0 or more) or %q", tailAll)
	}
	return n, nil
}

// allDigits reports whether s is made of decimal digits only.
func allDigits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}
