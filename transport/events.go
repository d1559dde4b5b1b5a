package transport

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/supers-dev/supers/notify"
)

// ndjsonContentType is the media type of GET /v1/events: one JSON value per
// line.
const ndjsonContentType = "application/x-ndjson"

// maxEventLine bounds one line of the event stream the client accepts.
// Events are a few hundred bytes, and superd bounds their texts; a reload
// naming many services is the largest, and is not cut (a filter by service
// needs its names): about 67 bytes a name (config.MaxNameLen, quoted), so
// 1 MiB would fail on the rename of some 8000 services (each in removed
// and added), which superd's history then kept for every later reader.
// 32 MiB holds a reload naming about 500 000.
const maxEventLine = 32 << 20

// EventStream is what a [Backend] gives the handler for GET /v1/events.
type EventStream struct {
	// History holds the recent events, oldest first, already filtered by
	// service.
	History []notify.Event
	// Live is nil unless the request follows. It delivers the events that
	// come after History, filtered likewise. The backend closes it when
	// the request's context is done, when it shuts down (after the events
	// of its shutdown, such as the stop of each service), or to drop a
	// subscriber too slow to keep up rather than block; the handler then
	// ends the answer.
	Live <-chan notify.Event
	// Dropped, if not nil, reports once Live is closed whether the backend
	// closed it to drop a subscriber too slow to keep up (rather than
	// because it is shutting down). The client is told (ErrStreamDropped).
	Dropped func() bool
}

// streamEndTrailer is the HTTP trailer that ends a followed event stream
// that superd ended itself: "dropped" when the client fell too far behind,
// "closed" otherwise (superd is shutting down).
const streamEndTrailer = "Supers-Stream-End"

// ErrStreamDropped is returned by [Client.Events] when superd dropped the
// followed stream because its client fell too far behind: the events that
// could not be delivered are lost, and a new request starts over.
var ErrStreamDropped = errors.New("superd dropped the event stream: it was read too slowly")

// events serves GET /v1/events?service=NAME&follow=BOOL as NDJSON: the
// history, then with follow each live event as it comes, each line flushed
// at once. It ends when the history is written (without follow), when Live
// is closed, or when the client goes away; a HEAD ends after the headers.
func (h *handler) events(w http.ResponseWriter, r *http.Request) {
	q, err := parseQuery(r, "service", "follow")
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	follow := false
	if v := q.Get("follow"); v != "" {
		if follow, err = strconv.ParseBool(v); err != nil {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("%s: follow=%q is not a boolean", ErrInvalidArgument, v))
			return
		}
	}
	stream, err := h.backend.Events(r.Context(), q.Get("service"), follow)
	if err != nil {
		h.writeBackendError(w, r, err)
		return
	}

	w.Header().Set("Content-Type", ndjsonContentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	if follow {
		w.Header().Set("Trailer", streamEndTrailer)
	}
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return // a follower would otherwise hold the connection for nothing
	}
	rc := http.NewResponseController(w)
	h.streamChunk(rc)
	for _, e := range stream.History {
		if !h.writeEvent(w, r, e) {
			return
		}
	}
	// Flush even an empty history: the client sees the answer start.
	if err := rc.Flush(); err != nil || !follow || stream.Live == nil {
		return
	}
	for {
		select {
		case <-r.Context().Done():
			if errors.Is(context.Cause(r.Context()), ErrUnauthorized) {
				// Its token was replaced: cut, so that the follower does
				// not take it for superd closing the stream.
				panic(http.ErrAbortHandler)
			}
			return
		case e, ok := <-stream.Live:
			if !ok {
				end := "closed"
				if stream.Dropped != nil && stream.Dropped() {
					end = "dropped"
				}
				w.Header().Set(streamEndTrailer, end)
				// The end of the answer (and its trailer) is one more
				// chunk: it gets its own time, not what is left of the
				// last event's, which a quiet stream has used up.
				h.streamChunk(rc)
				return
			}
			h.streamChunk(rc)
			if !h.writeEvent(w, r, e) {
				return
			}
			if err := rc.Flush(); err != nil {
				h.streamWriteFailed(r, err)
				return
			}
		}
	}
}

// writeEvent writes e as one line and reports whether the stream can go on.
func (h *handler) writeEvent(w http.ResponseWriter, r *http.Request, e notify.Event) bool {
	line, err := json.Marshal(e)
	if err != nil {
		// Only reachable with an event json cannot encode: a bug. Skip it
		// rather than break the stream.
		h.logger.Error("encoding event", "method", r.Method, "path", r.URL.Path, "id", e.ID, "err", err)
		return true
	}
	if _, err = w.Write(append(line, '\n')); err != nil {
		h.streamWriteFailed(r, err)
		return false
	}
	return true
}

// Events streams superd's events to fn, oldest first: the recent ones (at
// most the history superd keeps) about service, or about every service
// when service is "", and with follow then each new event as it happens.
//
// It returns nil when the stream ends: after the history without follow,
// or, with follow, when superd ends it because it is shutting down (fn has
// then had the stop of every service superd stopped on its way out);
// [ErrStreamDropped] when superd dropped this client for reading too
// slowly. It returns fn's error,
// unwrapped, as soon as fn returns one. When ctx is done it returns an
// error wrapping ctx.Err(); a follower stops with ctx, since the stream
// has no end of its own. An invalid service name is an *[APIError]
// matching [ErrInvalidArgument]; a superd that predates this request
// answers 404: an *[APIError] that does not match [ErrUnknownService].
func (c *Client) Events(ctx context.Context, service string, follow bool, fn func(notify.Event) error) error {
	q := url.Values{}
	if service != "" {
		q.Set("service", service)
	}
	if follow {
		q.Set("follow", "true")
	}
	path := "/v1/events"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	req, err := c.newRequest(ctx, http.MethodGet, path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", ndjsonContentType)
	resp, err := c.http.Do(req)
	if err != nil {
		return c.transportError(ctx, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return c.readAPIError(resp, "")
	}

	// The stream has no overall size limit (a follower may read for days);
	// each line is bounded instead.
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, maxEventLine)
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 {
			continue
		}
		var e notify.Event
		if err := json.Unmarshal(line, &e); err != nil {
			if !sc.Scan() && sc.Err() != nil {
				// The connection broke in the middle of this line, which
				// the scanner hands over before the read error: the
				// error is the broken stream, not a bad event.
				break
			}
			return fmt.Errorf("decoding event from superd: %w", err)
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	err = sc.Err()
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("reading events from superd: %w", ctx.Err())
	case errors.Is(err, bufio.ErrTooLong):
		return fmt.Errorf("reading events from superd: a line exceeds %d bytes: %w", maxEventLine, err)
	case err != nil:
		return fmt.Errorf("reading events from superd at %s: %w", c.target, err)
	case resp.Trailer.Get(streamEndTrailer) == "dropped":
		return ErrStreamDropped
	}
	return nil
}
