package transport

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
)

// List returns the status of every service.
func (c *Client) List(ctx context.Context) ([]ServiceStatus, error) {
	out := []ServiceStatus{}
	stream := statusStream{fn: func(st ServiceStatus) error {
		out = append(out, st)
		return nil
	}}
	if err := c.do(ctx, http.MethodGet, "/v1/services", "", nil, &stream); err != nil {
		return nil, err
	}
	if stream.null {
		return nil, nil
	}
	return out, nil
}

// ListEach calls fn with the status of every service, in the order List
// would return them, decoding each from the answer as it comes: unlike
// List, it never holds every status in memory at once. It returns fn's
// error, unwrapped, as soon as fn returns one; otherwise its errors are
// those of List.
func (c *Client) ListEach(ctx context.Context, fn func(ServiceStatus) error) error {
	stream := statusStream{fn: fn}
	err := c.do(ctx, http.MethodGet, "/v1/services", "", nil, &stream)
	if stream.fnErr != nil {
		return stream.fnErr
	}
	return err
}

// statusStream is the answer to List, a JSON array of statuses, decoded
// one status at a time: the whole answer (some 170 bytes a service) is
// never held in memory at once.
type statusStream struct {
	fn    func(ServiceStatus) error // called with each status
	fnErr error                     // what fn returned, if not nil
	null  bool                      // the answer was null, not an array
}

// decodeStream decodes the answer from r, calling s.fn with each status.
// It fails as a json.Decoder decoding the whole answer into a
// []ServiceStatus would, since that is what List did: an answer that is
// not an array, or is cut short (io.ErrUnexpectedEOF), or a value that does
// not fit gives an error of the same type and message (a value's Offset
// counts from its status, not from the answer); a malformed answer a *json.SyntaxError,
// maybe worded otherwise. Like that decoder, it checks the syntax of the
// whole answer before it reports a value that does not fit, and s.fn is
// not called past such a value.
//
// The answer superd sends is decoded by a decoder of its own
// (decodeStreamFast, much faster than encoding/json), which hands what
// it does not fully understand to decodeStreamSlow: either way the
// results are those of decodeStreamSlow (but for the Offset of a
// *json.SyntaxError), for a reader that, once it fails, keeps failing, as
// an HTTP body does.
func (s *statusStream) decodeStream(r io.Reader) error {
	_, err := s.decodeStreamFast(r)
	return err
}

// decodeStreamSlow is decodeStream done with a json.Decoder alone: the
// fast path's fallback, and the reference it is tested against.
func (s *statusStream) decodeStreamSlow(r io.Reader) error {
	return s.decodeSlow(r, false)
}

// decodeSlow is decodeStreamSlow. With resumed, r is the rest of an
// answer whose first statuses s.fn has already been given, after "[{}",
// which stands in for them: that element is dropped, and the decoding goes
// on as it would have just after the last of those statuses.
func (s *statusStream) decodeSlow(r io.Reader, resumed bool) error {
	first, r := peekJSON(r)
	src := &errRecorder{r: r}
	dec := json.NewDecoder(src)
	if first != '[' {
		// null, or not what is expected: decoded whole, for the same
		// result.
		var list []ServiceStatus
		if err := dec.Decode(&list); err != nil {
			return err
		}
		s.null = list == nil
		return nil
	}
	// Reading or syntax errors end the decoding at once. Past the [, the
	// end of the answer is one too early.
	fatal := func(err error) error {
		if err == io.EOF { //nolint:errorlint // json.Decoder returns io.EOF unwrapped
			return io.ErrUnexpectedEOF
		}
		return err
	}
	if _, err := dec.Token(); err != nil { // [
		return err
	}
	if resumed {
		var standIn json.RawMessage
		if err := dec.Decode(&standIn); err != nil {
			return fatal(err)
		}
	}
	var valueErr, typeErr error // the first status that did not decode, by kind
	for dec.More() {
		var st ServiceStatus
		err := dec.Decode(&st)
		var (
			ute *json.UnmarshalTypeError
			se  *json.SyntaxError
		)
		switch {
		case err == nil:
			if valueErr == nil && typeErr == nil {
				if err := s.fn(st); err != nil {
					s.fnErr = err
					return err
				}
			}
		case errors.As(err, &se), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
			src.err != nil && errors.Is(err, src.err):
			// A value that does not fit is not one of these even if a
			// read failed meanwhile: the data read before the failure
			// is still scanned for a syntax error first, as a decoder of
			// the whole answer scans it, whatever the reads' sizes.
			return fatal(err)
		case errors.As(err, &ute):
			typeErr = cmp.Or(typeErr, err)
		default: // an UnmarshalJSON method failed
			valueErr = cmp.Or(valueErr, err)
		}
	}
	if _, err := dec.Token(); err != nil { // ]
		return fatal(err)
	}
	return cmp.Or(valueErr, typeErr)
}

// errRecorder reads from r and records its first error other than io.EOF.
type errRecorder struct {
	r   io.Reader
	err error
}

func (e *errRecorder) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF && e.err == nil { //nolint:errorlint // Read returns io.EOF unwrapped
		e.err = err
	}
	return n, err
}

// peekJSON returns the first byte of r that is not JSON white space (0 if
// r ends or fails first) and a reader that reads all of r, that byte and
// the error included.
func peekJSON(r io.Reader) (byte, io.Reader) {
	var read []byte
	buf := make([]byte, 512)
	for {
		n, err := r.Read(buf)
		read = append(read, buf[:n]...)
		for _, b := range buf[:n] {
			if b != ' ' && b != '\t' && b != '\n' && b != '\r' {
				return b, io.MultiReader(bytes.NewReader(read), r)
			}
		}
		if err != nil {
			return 0, io.MultiReader(bytes.NewReader(read), errReader{err})
		}
	}
}

// errReader is a reader that fails with its error.
type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// streamDecoder is an answer that decodes itself as it is read.
type streamDecoder interface {
	decodeStream(r io.Reader) error
}
