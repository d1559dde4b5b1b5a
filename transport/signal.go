package transport

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// signal serves POST /v1/services/{name}/signal with a [SignalRequest]
// body. The body is decoded strictly: anything but one JSON object with a
// string "signal" field and nothing else is a 400.
func (h *handler) signal(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Signal *string `json:"signal"`
	}
	if err := decodeStrict(r.Body, &req); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeError(w, http.StatusRequestEntityTooLarge, "request body too large")
			return
		}
		writeError(w, http.StatusBadRequest, fmt.Sprintf("%s: %v", ErrInvalidArgument, err))
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
// v, refusing fields v does not have. Its errors describe the problem for
// the client; an oversized body yields an *http.MaxBytesError.
func decodeStrict(body io.Reader, v any) error {
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		// Exactly one value: anything after it is an error too.
		if err = dec.Decode(&json.RawMessage{}); err == io.EOF { //nolint:errorlint // io.EOF is returned unwrapped by Decode
			return nil
		}
		if err == nil {
			return errors.New("malformed JSON: unexpected data after the object")
		}
	}
	var (
		tooLarge  *http.MaxBytesError
		syntaxErr *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &tooLarge):
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
