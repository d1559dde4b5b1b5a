package transport

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// maxResponseBody bounds how much of an answer the client reads.
const maxResponseBody = 32 << 20

// Client talks to superd's control API. Its methods are safe for concurrent
// use. Errors are:
//   - *[UnreachableError] when superd cannot be reached at all;
//   - *[APIError] when superd answered with a non-2xx status (it matches
//     [ErrUnknownService], [ErrInvalidArgument], [ErrConflict] or
//     [ErrConfigUnavailable] with [errors.Is] where one applies);
//   - errors wrapping ctx.Err() when ctx ended first;
//   - other errors for a broken connection or a malformed answer.
type Client struct {
	http    *http.Client
	baseURL string
	target  string // what UnreachableError reports: the socket path
}

// NewClient returns a client speaking HTTP over the Unix socket at
// socketPath. It does not connect until the first call.
func NewClient(socketPath string) *Client {
	var dialer net.Dialer
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			conn, err := dialer.DialContext(ctx, "unix", socketPath)
			if err != nil {
				return nil, &dialError{err: err}
			}
			return conn, nil
		},
		MaxIdleConns:       2,
		DisableCompression: true,
	}
	return &Client{
		http: &http.Client{
			Transport: tr,
			// The API never redirects; following one would turn a POST into
			// a GET of some other resource.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		// The host is only a placeholder: the transport always dials the socket.
		baseURL: "http://superd",
		target:  socketPath,
	}
}

// List returns the status of every service.
func (c *Client) List(ctx context.Context) ([]ServiceStatus, error) {
	var out []ServiceStatus
	if err := c.do(ctx, http.MethodGet, "/v1/services", "", &out); err != nil {
		return nil, err
	}
	return out, nil
}

// Status returns the status of the named service.
func (c *Client) Status(ctx context.Context, name string) (ServiceStatus, error) {
	return c.serviceOp(ctx, http.MethodGet, name, "")
}

// Start starts the named service and returns its status once its process
// runs (or failed to exec).
func (c *Client) Start(ctx context.Context, name string) (ServiceStatus, error) {
	return c.serviceOp(ctx, http.MethodPost, name, "start")
}

// Stop stops the named service and returns its status once its process
// group is gone.
func (c *Client) Stop(ctx context.Context, name string) (ServiceStatus, error) {
	return c.serviceOp(ctx, http.MethodPost, name, "stop")
}

// Restart restarts the named service and returns its new status.
func (c *Client) Restart(ctx context.Context, name string) (ServiceStatus, error) {
	return c.serviceOp(ctx, http.MethodPost, name, "restart")
}

// ConfigErrors returns the service files superd could not load at start or
// at its last reload; none when every file loaded. A daemon that predates
// this request answers 404: an *[APIError] that does not match
// [ErrUnknownService].
func (c *Client) ConfigErrors(ctx context.Context) ([]ConfigError, error) {
	var out ConfigErrors
	if err := c.do(ctx, http.MethodGet, "/v1/config/errors", "", &out); err != nil {
		return nil, err
	}
	return out.Errors, nil
}

// Reload asks superd to reread its configuration directory and apply what
// changed, and returns what it did: the four name lists sorted and, like
// Errors, never nil. Files that failed to load are in Errors, not an error.
// When the directory itself cannot be read, superd changes nothing and the
// error matches [ErrConfigUnavailable].
func (c *Client) Reload(ctx context.Context) (ReloadResult, error) {
	var out ReloadResult
	if err := c.configRequest(ctx, "/v1/reload", &out); err != nil {
		return ReloadResult{}, err
	}
	return out.normalized(), nil
}

// CheckConfig asks superd to validate every file of its configuration
// directory without applying anything, and returns the files that fail;
// none (an empty, non-nil slice) when all are valid. When the directory
// cannot be read the error matches [ErrConfigUnavailable].
func (c *Client) CheckConfig(ctx context.Context) ([]ConfigError, error) {
	var out ConfigErrors
	if err := c.configRequest(ctx, "/v1/config/check", &out); err != nil {
		return nil, err
	}
	if out.Errors == nil {
		out.Errors = []ConfigError{}
	}
	return out.Errors, nil
}

// configRequest POSTs to one of the routes about the configuration
// directory, whose 503 answers mean ErrConfigUnavailable.
func (c *Client) configRequest(ctx context.Context, path string, out any) error {
	err := c.do(ctx, http.MethodPost, path, "", out)
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		apiErr.configRequest = true
	}
	return err
}

// Version returns superd's version.
func (c *Client) Version(ctx context.Context) (VersionInfo, error) {
	var out VersionInfo
	err := c.do(ctx, http.MethodGet, "/v1/version", "", &out)
	return out, err
}

func (c *Client) serviceOp(ctx context.Context, method, name, action string) (ServiceStatus, error) {
	// These names cannot be service names (which come from file names) and
	// would change the meaning of the URL.
	if name == "" || name == "." || name == ".." || strings.Contains(name, "/") {
		return ServiceStatus{}, fmt.Errorf("%w: bad service name %q", ErrInvalidArgument, name)
	}
	path := "/v1/services/" + url.PathEscape(name)
	if action != "" {
		path += "/" + action
	}
	var out ServiceStatus
	err := c.do(ctx, method, path, name, &out)
	return out, err
}

// do sends one request and decodes a 2xx answer into out. service is the
// service the request is about ("" for the others); it lets APIError tell
// an unknown service from an unknown route.
func (c *Client) do(ctx context.Context, method, path, service string, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.baseURL+path, nil)
	if err != nil {
		return fmt.Errorf("building request %s %s: %w", method, path, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return c.transportError(ctx, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return readAPIError(resp, service)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxResponseBody)).Decode(out); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("reading answer from superd: %w", ctx.Err())
		}
		return fmt.Errorf("decoding answer to %s %s from superd: %w", method, path, err)
	}
	return nil
}

// readAPIError turns a non-2xx answer into an *APIError about service.
func readAPIError(resp *http.Response, service string) *APIError {
	apiErr := &APIError{StatusCode: resp.StatusCode, Service: service}
	var eb ErrorBody
	if json.NewDecoder(io.LimitReader(resp.Body, maxResponseBody)).Decode(&eb) == nil {
		apiErr.Message = eb.Error
	}
	return apiErr
}

// transportError classifies an error from http.Client.Do.
func (c *Client) transportError(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("waiting for superd at %s: %w", c.target, ctxErr)
	}
	var de *dialError
	if errors.As(err, &de) {
		return &UnreachableError{Socket: c.target, Err: de.err}
	}
	// Strip *url.Error: its text repeats the placeholder URL.
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return fmt.Errorf("talking to superd at %s: %w", c.target, err)
}

// dialError marks a failure to connect, as opposed to one on an
// established connection.
type dialError struct{ err error }

func (e *dialError) Error() string { return e.err.Error() }
func (e *dialError) Unwrap() error { return e.err }

// APIError is a non-2xx answer from superd.
type APIError struct {
	// StatusCode is the HTTP status code.
	StatusCode int
	// Message is the "error" field of the answer (may be empty).
	Message string
	// Service is the service the request was about, empty for requests
	// that are not about one service (List, Version).
	Service string

	// configRequest is true for the requests about the configuration
	// directory (Reload, CheckConfig).
	configRequest bool
}

// Error returns superd's message, or the status when there was none.
func (e *APIError) Error() string {
	if e.Message != "" {
		return e.Message
	}
	return fmt.Sprintf("superd answered %d %s", e.StatusCode, http.StatusText(e.StatusCode))
}

// Is reports whether the answer corresponds to one of the sentinel errors:
// ErrUnknownService for a 404 to a request about a service (a 404 to any
// other request means an unknown route), ErrInvalidArgument for a 400,
// ErrConflict for a 409, ErrConfigUnavailable for a 503 to Reload or
// CheckConfig (to other requests a 503 means that superd is shutting down;
// a reload that superd's shutdown interrupts matches too).
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrUnknownService:
		return e.StatusCode == http.StatusNotFound && e.Service != ""
	case ErrInvalidArgument:
		return e.StatusCode == http.StatusBadRequest
	case ErrConflict:
		return e.StatusCode == http.StatusConflict
	case ErrConfigUnavailable:
		return e.StatusCode == http.StatusServiceUnavailable && e.configRequest
	default:
		return false
	}
}

// UnreachableError reports that the client could not connect to superd.
type UnreachableError struct {
	// Socket is where the client looked.
	Socket string
	// Err is the dial error.
	Err error
}

// Error returns a one-line message naming the socket, suitable for users.
func (e *UnreachableError) Error() string {
	return fmt.Sprintf("cannot reach superd at %s: %s (is superd running?)", e.Socket, dialReason(e.Err))
}

// Unwrap returns the dial error.
func (e *UnreachableError) Unwrap() error { return e.Err }

// dialReason shortens a dial error to its cause ("no such file or
// directory") rather than "dial unix /path: connect: no such file...".
func dialReason(err error) string {
	if err == nil {
		return "unknown error"
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Err != nil {
		err = opErr.Err
		// *os.SyscallError reads "connect: <errno>"; keep only the errno.
		if u := errors.Unwrap(err); u != nil {
			err = u
		}
	}
	return err.Error()
}
