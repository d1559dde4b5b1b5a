package transport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
)

// signal serves POST /v1/services/{name}/signal with a [SignalRequest]
// body. The body is decoded strictly: anything but one JSON object with a
// string "signal" field and nothing else is a 400.
func (h *handler) signal(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Signal *string `json:"signal"`
	}
	if err := decodeStrict(r.Body, &req, "signal"); err != nil {
		if !writeBodyReadError(w, err) {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("%s: %v", ErrInvalidArgument, err))
		}
		return
	}
	switch {
	case req.Signal == nil:
		writeError(w, http.StatusBadRequest, fmt.Sprintf(`%s: missing field "signal" in the request body`, ErrInvalidArgument))
		return
	case strings.TrimSpace(*req.Signal) == "":
		writeError(w, http.StatusBadRequest, fmt.Sprintf(`%s: field "signal" is empty`, ErrInvalidArgument))
		return
	}
	st, err := h.backend.Signal(r.Context(), r.PathValue("name"), *req.Signal)
	if err != nil {
		h.writeBackendError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// decodeStrict decodes body, which must hold exactly one JSON value, into
// v. When that value is an object, its keys must be among fields, exactly
// (encoding/json would match them in any case) and each at most once (it
// would keep the last of duplicates). Its errors describe the problem for
// the client; an oversized body yields an *http.MaxBytesError, a body not
// received in time an error matching os.ErrDeadlineExceeded.
func decodeStrict(body io.Reader, v any, fields ...string) error {
	dec := json.NewDecoder(body)
	var raw json.RawMessage
	err := dec.Decode(&raw)
	if err == nil {
		// Exactly one value: anything after it is an error too.
		err = dec.Decode(&json.RawMessage{})
		switch err {
		case nil:
			return errors.New("malformed JSON: unexpected data after the object")
		case io.EOF: //nolint:errorlint // io.EOF is returned unwrapped by Decode
			err = checkFields(raw, fields)
		}
	}
	if err == nil {
		typed := json.NewDecoder(bytes.NewReader(raw))
		typed.DisallowUnknownFields()
		if err = typed.Decode(v); err == nil {
			return nil
		}
	}
	var (
		tooLarge  *http.MaxBytesError
		syntaxErr *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &tooLarge), errors.Is(err, os.ErrDeadlineExceeded):
		return err
	case err == io.EOF: //nolint:errorlint // io.EOF is returned unwrapped by Decode
		return errors.New("empty request body: want a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("malformed JSON: unexpected end of the body")
	case errors.As(err, &syntaxErr):
		return fmt.Errorf("malformed JSON at byte %d: %w", syntaxErr.Offset, err)
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return fmt.Errorf("field %q must not be a JSON %s", typeErr.Field, typeErr.Value)
	case errors.As(err, &typeErr):
		return fmt.Errorf("want a JSON object, not a JSON %s", typeErr.Value)
	default:
		// DisallowUnknownFields: `json: unknown field "x"`.
		return errors.New(strings.TrimPrefix(err.Error(), "json: "))
	}
}

// checkFields checks that the keys of raw, if it is an object, are among
// fields and not repeated.
func checkFields(raw json.RawMessage, fields []string) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return err // not an object: decoding it into v says what is wrong
	}
	seen := make(map[string]bool, len(fields))
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string) // an object's keys are strings
		switch {
		case !slices.Contains(fields, key):
			return fmt.Errorf("unknown field %q", key)
		case seen[key]:
			return fmt.Errorf("duplicate field %q", key)
		}
		seen[key] = true
		if err := dec.Decode(&json.RawMessage{}); err != nil {
			return err
		}
	}
	return nil
}

// Signal sends sig (a signal name with or without the SIG prefix, in any
// case, or a number) to the named service's process group and returns the
// service's status. An unknown signal matches [ErrInvalidArgument], a
// service that is not running [ErrConflict].
func (c *Client) Signal(ctx context.Context, name, sig string) (ServiceStatus, error) {
	path, err := servicePath(name, "signal")
	if err != nil {
		return ServiceStatus{}, err
	}
	var out ServiceStatus
	err = c.do(ctx, http.MethodPost, path, name, SignalRequest{Signal: sig}, &out)
	return out, err
}
