package transport

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Definition is the answer to GET /v1/services/{name}/definition: the
// service file as it is on disk.
type Definition struct {
	// Name is the service name.
	Name string `json:"name"`
	// File is the path of the service file on superd's machine.
	File string `json:"file"`
	// Hash is the hex SHA-256 of the file's bytes, also sent as the ETag:
	// give it back in If-Match to change or delete exactly this version.
	Hash string `json:"hash"`
	// Text is the file's content.
	Text string `json:"text"`
	// Unwritable, when not empty, says why a PUT of this definition would
	// be refused whatever its text (the file is a symbolic link, or has
	// several names): an editor can say so before the user edits.
	Unwritable string `json:"unwritable,omitempty"`
}

// What a definition write did, in [DefinitionResult.Action].
const (
	ActionCreated   = "created"   // a new service: started if AutoStart=
	ActionUpdated   = "updated"   // the configuration changed: restarted if it ran
	ActionUnchanged = "unchanged" // the configuration is the same; text the file holds byte for byte is not even written
	ActionDeleted   = "deleted"   // forgotten, file moved to the trash; the service's stop follows the answer
	// ActionNotCreated: the file was written, but its service could not
	// be created (its log directory refused, say): Error says why. A
	// start or a reload creates it once the cause is fixed.
	ActionNotCreated = "not_created"
)

// DefinitionResult is the answer to PUT and DELETE
// /v1/services/{name}/definition.
type DefinitionResult struct {
	// Name is the service name.
	Name string `json:"name"`
	// Action is one of the Action* constants.
	Action string `json:"action"`
	// Hash is the content hash of the file written (PUT).
	Hash string `json:"hash,omitempty"`
	// Trash is where the deleted file was moved (DELETE): moving it back
	// and reloading undoes the deletion. It is empty when the file was
	// already gone (removed by hand): only the service was removed.
	Trash string `json:"trash,omitempty"`
	// Warnings (PUT) say what would make a start of the service fail on
	// the machine now, although the definition is valid and was written:
	// its program, working directory, User= or Group=, as a check of the
	// config dir reports them.
	Warnings []string `json:"warnings,omitempty"`
	// Error (PUT, Action [ActionNotCreated]) says why the service of the
	// definition written could not be created.
	Error string `json:"error,omitempty"`
}

// Caller identifies who sent a request, for the access rules of
// definition writes and for the record.
type Caller struct {
	// Remote is true for a client of the TCP API (authenticated by the
	// token), false for a client of the Unix socket.
	Remote bool
	// UID is the user id of a socket client, from its credentials; -1 when
	// unknown or Remote.
	UID int
}

// String returns "token" for a TCP client, "uid:N" for a socket client and
// "local" when the uid is unknown.
func (c Caller) String() string {
	switch {
	case c.Remote:
		return "token"
	case c.UID >= 0:
		return "uid:" + strconv.Itoa(c.UID)
	default:
		return "local"
	}
}

// WriteOptions qualify a definition write (PUT or DELETE).
type WriteOptions struct {
	// IfMatch, when not empty, is the content hash the file must have for
	// the write to happen (from the If-Match header, quotes removed); "*"
	// only requires that the file exists. A mismatch is an error wrapping
	// ErrPreconditionFailed.
	IfMatch string
	// Caller is who asks.
	Caller Caller
}

// ErrPreconditionFailed: If-Match does not match the current version of
// the definition (HTTP 412).
var ErrPreconditionFailed = errors.New("precondition failed")

// InvalidDefinitionError is returned for a definition that does not
// validate: nothing was written or changed. It matches ErrInvalidArgument
// (HTTP 400); the answer's body lists Errors besides the message.
type InvalidDefinitionError struct {
	// Name is the service name.
	Name string
	// Errors are the problems, each with file, line and key, as the
	// config loader reports them.
	Errors []ConfigError
}

// Error returns "invalid definition of NAME: " and the problems' messages,
// separated by "; ".
func (e *InvalidDefinitionError) Error() string {
	msgs := make([]string, len(e.Errors))
	for i, ce := range e.Errors {
		msgs[i] = ce.Message
	}
	return fmt.Sprintf("invalid definition of %s: %s", e.Name, strings.Join(msgs, "; "))
}

// Is makes the error match ErrInvalidArgument.
func (e *InvalidDefinitionError) Is(target error) bool { return target == ErrInvalidArgument }

// definitionPath is the route of a service's definition.
func definitionPath(name string) string {
	return "/v1/services/" + url.PathEscape(name) + "/definition"
}

// callerOf returns who sent r: a TCP client, or a socket client with its
// uid.
func callerOf(r *http.Request) Caller {
	if RemoteFromContext(r.Context()) {
		return Caller{Remote: true, UID: -1}
	}
	if pc, ok := PeerFromContext(r.Context()); ok {
		return Caller{UID: pc.UID}
	}
	return Caller{UID: -1}
}

// ifMatch returns the If-Match header: "" without one, "*" for the
// wildcard, else the one strong tag it gives, without its quotes (which
// may be left out). Anything else is an error, never read as no
// condition: a weak tag, a list of tags (in one field line or several),
// an empty header or tag (a script's unset variable: "$HASH"), a quoted
// "*" (a tag, which no definition has, not the wildcard).
func ifMatch(r *http.Request) (string, error) {
	lines := r.Header.Values("If-Match")
	switch len(lines) {
	case 0:
		return "", nil
	case 1:
	default:
		return "", fmt.Errorf("%w: If-Match: give one tag", ErrInvalidArgument)
	}
	v := strings.TrimSpace(lines[0])
	switch {
	case v == "*":
		return v, nil
	case strings.HasPrefix(v, "W/"):
		return "", fmt.Errorf("%w: If-Match: weak tags never match a definition", ErrInvalidArgument)
	case strings.Contains(v, ","):
		return "", fmt.Errorf("%w: If-Match: give one tag", ErrInvalidArgument)
	}
	tag := v
	if strings.HasPrefix(v, `"`) {
		switch {
		case !strings.Contains(v[1:], `"`):
			return "", fmt.Errorf("%w: If-Match: %s: the tag's closing quote is missing", ErrInvalidArgument, v)
		case !strings.HasSuffix(v, `"`):
			// Something after the closing quote (`"abc"x`, `"abc";`).
			return "", fmt.Errorf("%w: If-Match: %s: not one tag", ErrInvalidArgument, v)
		}
		tag = v[1 : len(v)-1]
		if tag == "*" {
			return "", fmt.Errorf(`%w: If-Match: "*" is a tag, not the wildcard: send * without quotes`, ErrInvalidArgument)
		}
	}
	switch {
	case tag == "":
		return "", fmt.Errorf("%w: If-Match: empty tag (was its variable unset?); send the definition's hash, or no If-Match", ErrInvalidArgument)
	case strings.ContainsAny(tag, "\" "):
		return "", fmt.Errorf("%w: If-Match: %s: not one tag", ErrInvalidArgument, v)
	}
	return tag, nil
}

// writeConditions returns the If-Match condition of a definition write, as
// ifMatch does, and an error wrapping ErrInvalidArgument for a
// precondition the API does not evaluate: ignored, it would let the write
// happen that the client meant to prevent (a PUT with If-None-Match: *
// replacing an existing definition).
func writeConditions(r *http.Request) (string, error) {
	// The preconditions of a write that the API does not evaluate:
	// If-None-Match (HTTP's "create only" with *), If-Unmodified-Since.
	for _, name := range [...]string{"If-None-Match", "If-Unmodified-Since"} {
		if len(r.Header.Values(name)) > 0 {
			return "", fmt.Errorf("%w: %s is not supported on a definition write: use If-Match (\"HASH\", or * for a file that must exist)", ErrInvalidArgument, name)
		}
	}
	return ifMatch(r)
}

func (h *handler) getDefinition(w http.ResponseWriter, r *http.Request) {
	d, err := h.backend.Definition(r.Context(), r.PathValue("name"))
	if err != nil {
		h.writeBackendError(w, r, err)
		return
	}
	// The conditions are evaluated once the definition is found: a
	// failure without them takes precedence (RFC 9110, section 13.2.1).
	// If-Match first, then If-None-Match (section 13.2.2).
	match, err := ifMatch(r)
	if err != nil {
		h.writeBackendError(w, r, err)
		return
	}
	if match != "" && match != "*" && match != d.Hash {
		h.writeBackendError(w, r, fmt.Errorf("%w: the definition of %s changed (hash %s, If-Match %s)", ErrPreconditionFailed, d.Name, d.Hash, match))
		return
	}
	w.Header().Set("ETag", `"`+d.Hash+`"`)
	if noneMatch(r, d.Hash) {
		// The client's copy is current: no body (section 15.4.5).
		w.WriteHeader(http.StatusNotModified)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// noneMatch reports whether the If-None-Match header of r (a list of
// entity tags, in one field line or several, or *) names hash, compared
// weakly as RFC 9110 (section 13.1.2) has it: "W/" and the quotes are not
// part of the comparison. Without the header, it reports false.
func noneMatch(r *http.Request, hash string) bool {
	for _, line := range r.Header.Values("If-None-Match") {
		for tag := range strings.SplitSeq(line, ",") {
			tag = strings.TrimSpace(tag)
			if tag == "*" {
				return true
			}
			tag = strings.TrimPrefix(tag, "W/")
			if len(tag) >= 2 && tag[0] == '"' && tag[len(tag)-1] == '"' {
				tag = tag[1 : len(tag)-1]
			}
			if tag != "" && tag == hash {
				return true
			}
		}
	}
	return false
}

func (h *handler) putDefinition(w http.ResponseWriter, r *http.Request) {
	if isJSON(r.Header.Get("Content-Type")) {
		// GET's answer sent back, or the text wrapped in JSON: the INI
		// parser would only say "syntax error" about line 1.
		writeError(w, http.StatusUnsupportedMediaType,
			"the body of a definition PUT is the service file's INI text (Content-Type: text/plain), not JSON")
		return
	}
	match, err := writeConditions(r)
	if err != nil {
		h.writeBackendError(w, r, err)
		return
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		if !writeBodyReadError(w, err) {
			writeError(w, http.StatusBadRequest, "reading the definition: "+err.Error())
		}
		return
	}
	res, err := h.backend.PutDefinition(r.Context(), r.PathValue("name"), data, WriteOptions{IfMatch: match, Caller: callerOf(r)})
	if errors.Is(err, ErrNotCreated) && res.Hash != "" {
		// The write was carried out: as a start whose program could not
		// be executed, the answer is the result, which says why the
		// service is missing (a 5xx would be retried, and write again).
		res.Action, res.Error = ActionNotCreated, err.Error()
		err = nil
	}
	if err != nil {
		h.writeBackendError(w, r, err)
		return
	}
	w.Header().Set("ETag", `"`+res.Hash+`"`)
	status := http.StatusOK
	if res.Action == ActionCreated {
		status = http.StatusCreated
	}
	writeJSON(w, status, res)
}

// isJSON reports whether contentType is a JSON media type.
func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

func (h *handler) deleteDefinition(w http.ResponseWriter, r *http.Request) {
	match, err := writeConditions(r)
	if err != nil {
		h.writeBackendError(w, r, err)
		return
	}
	res, err := h.backend.DeleteDefinition(r.Context(), r.PathValue("name"), WriteOptions{IfMatch: match, Caller: callerOf(r)})
	if err != nil {
		h.writeBackendError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// Definition returns the service file of name as superd has it on disk.
func (c *Client) Definition(ctx context.Context, name string) (Definition, error) {
	var d Definition
	err := c.do(ctx, http.MethodGet, definitionPath(name), name, nil, &d)
	return d, err
}

// PutDefinition creates or replaces the service file of name with text,
// which superd validates and applies. ifMatch, when not empty, is the hash
// the current file must have ("*": any existing file). An invalid
// definition is an *APIError matching ErrInvalidArgument whose Errors list
// the problems. A definition written whose service superd could not create
// is returned with an error wrapping [ErrNotCreated] (the result's Action
// is [ActionNotCreated], its Error says why).
func (c *Client) PutDefinition(ctx context.Context, name string, text []byte, ifMatch string) (DefinitionResult, error) {
	var res DefinitionResult
	err := c.doRaw(ctx, http.MethodPut, definitionPath(name), name, text, ifMatch, &res)
	if err == nil && res.Action == ActionNotCreated {
		return res, notCreatedError(cmp.Or(res.Error, "service "+name+" not created"))
	}
	return res, err
}

// notCreatedError is superd's message for a definition written whose
// service it could not create; it matches ErrNotCreated.
type notCreatedError string

func (e notCreatedError) Error() string { return string(e) }
func (e notCreatedError) Unwrap() error { return ErrNotCreated }

// DeleteDefinition forgets the service name, moves its file to superd's
// trash and has the service stopped: it returns once the file is moved,
// and the stop follows (the service's status says stopping until its
// processes are gone). ifMatch is as for PutDefinition.
func (c *Client) DeleteDefinition(ctx context.Context, name, ifMatch string) (DefinitionResult, error) {
	var res DefinitionResult
	err := c.doRaw(ctx, http.MethodDelete, definitionPath(name), name, nil, ifMatch, &res)
	return res, err
}

// doRaw is do with a text/plain body and an If-Match header.
func (c *Client) doRaw(ctx context.Context, method, path, service string, body []byte, ifMatch string, out any) error {
	req, err := c.newRequest(ctx, method, path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "text/plain; charset=utf-8")
	if ifMatch != "" {
		if ifMatch != "*" {
			ifMatch = `"` + ifMatch + `"`
		}
		req.Header.Set("If-Match", ifMatch)
	}
	return c.send(ctx, req, method, path, service, out)
}
