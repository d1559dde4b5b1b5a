package transport

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"
)

// maxResponseBody bounds how much of an answer the client reads.
const maxResponseBody = 32 << 20

// Client talks to superd's control API. Its methods are safe for concurrent
// use. Errors are:
//   - *[UnreachableError] when superd cannot be reached at all;
//   - *[APIError] when superd answered with a non-2xx status (it matches
//     [ErrUnknownService], [ErrInvalidArgument], [ErrConflict],
//     [ErrConfigUnavailable], [ErrUnauthorized] (a missing or wrong token)
//     or [ErrForbidden] (a user not allowed on the socket) with
//     [errors.Is] where one applies);
//   - errors wrapping ctx.Err() when ctx ended first;
//   - other errors for a broken connection or a malformed answer.
type Client struct {
	http    *http.Client
	baseURL string
	target  string // what errors name: the socket path, or the remote base URL
	token   string // sent as a bearer token when not empty
	// probe, if not nil, is asked before the token first goes out in
	// clear (see plainProbe).
	probe *plainProbe
}

// plainProbe guards the token of a remote client of an http:// URL whose
// host is not a loopback address: before the first request that carries
// it, a GET /healthz without it (which superd answers without one) must
// get superd's answer (a 200 with its JSON); a port that serves HTTPS (a
// mistyped scheme), or another server, where the token would have crossed
// the network in clear for nothing, answers otherwise.
type plainProbe struct {
	mu   sync.Mutex
	done bool // the probe found plain HTTP there
}

// NewClient returns a client speaking HTTP over the Unix socket at
// socketPath. It does not connect until the first call. Each request uses
// a connection of its own, closed with the answer, and no goroutine runs
// in the background.
func NewClient(socketPath string) *Client {
	return &Client{
		http: newHTTPClient(&socketTransport{path: socketPath}),
		// The host is only a placeholder: the transport always dials the socket.
		baseURL: "http://superd",
		target:  socketPath,
	}
}

// NewRemoteClient returns a client of superd's TCP API at baseURL
// ("http://127.0.0.1:8080", "https://host:8443"; a trailing slash is
// allowed, any other path, a query or user info is not), sending token as
// a bearer token with every request. It does not connect until the first
// call. Its methods behave as those of a [NewClient] client; errors name
// baseURL where they would name the socket.
//
// Over http:// to a host that is not a loopback address, the first call
// begins with a GET /healthz without the token: unless superd answers it
// (a 200 with its JSON), the call fails saying what answered (for a port
// that serves HTTPS, a mistyped scheme, saying so), and the token has not
// crossed the network in clear.
//
// HTTPS servers are verified against the system's roots; on Unix systems
// SSL_CERT_FILE or SSL_CERT_DIR can point at superd's own certificate.
// Proxy settings from the environment are ignored: the token goes only to
// baseURL's host, and redirects are never followed.
func NewRemoteClient(baseURL, token string) (*Client, error) {
	base, err := parseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	if err := checkToken(token); err != nil {
		return nil, fmt.Errorf("remote client for %s: %w", base, err)
	}
	var dialer net.Dialer
	tr := &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := dialer.DialContext(ctx, network, addr)
			if err != nil {
				return nil, &dialError{err: err}
			}
			return conn, nil
		},
		TLSClientConfig:     &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout: 10 * time.Second,
		MaxIdleConns:        2,
		DisableCompression:  true,
	}
	c := &Client{http: newHTTPClient(tr), baseURL: base, target: base, token: token}
	if host, ok := strings.CutPrefix(base, "http://"); ok && !loopbackHost(host) {
		c.probe = &plainProbe{}
	}
	return c, nil
}

// loopbackHost reports whether hostport names this machine: localhost or
// a loopback address.
func loopbackHost(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = strings.Trim(hostport, "[]") // no port
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// checkPlainHTTP runs c's probe once it is needed (see plainProbe): only
// superd's answer to /healthz, a 200 with its JSON, lets the token go. Any other
// answer is the error, as the request would have got it from whatever answers
// there (net/http's, nginx's, ... "plain HTTP sent to an HTTPS port"); so
// is a failure to reach the server.
func (c *Client) checkPlainHTTP(ctx context.Context) error {
	c.probe.mu.Lock()
	defer c.probe.mu.Unlock()
	if c.probe.done {
		return nil
	}
	// ctx's cancellation and deadline, not its values: a trace there (the
	// CLI's bound on the wait for a stream's first answer) is the
	// request's, which the probe's answer must not end.
	pctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	stop := context.AfterFunc(ctx, func() { cancel(context.Cause(ctx)) })
	defer stop()
	if deadline, ok := ctx.Deadline(); ok {
		var cancelDeadline context.CancelFunc
		pctx, cancelDeadline = context.WithDeadline(pctx, deadline)
		defer cancelDeadline()
	}
	req, err := http.NewRequestWithContext(pctx, http.MethodGet, c.baseURL+healthPath, nil)
	if err != nil {
		return fmt.Errorf("building request GET %s: %w", healthPath, err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return c.transportError(ctx, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return c.readAPIError(resp, "")
	}
	// superd's answer, not any server's 200 at that path (many answer
	// health checks): its JSON, as handler.health writes it.
	var health struct {
		Status string `json:"status"`
	}
	if !strings.EqualFold(mediaType(resp.Header.Get("Content-Type")), "application/json") ||
		json.NewDecoder(io.LimitReader(resp.Body, 4096)).Decode(&health) != nil || health.Status != "ok" {
		return fmt.Errorf("what answers at %s does not speak superd's API (its %s is not superd's): no token sent", c.target, healthPath)
	}
	c.probe.done = true
	return nil
}

// parseBaseURL checks a remote client's base URL and returns it as
// "scheme://host[:port]".
func parseBaseURL(raw string) (string, error) {
	if !strings.Contains(raw, "://") {
		return "", fmt.Errorf("superd URL %q: want http://HOST:PORT or https://HOST:PORT (scheme missing)", raw)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("superd URL %q: %w", raw, err)
	}
	scheme := strings.ToLower(u.Scheme)
	switch {
	case scheme != "http" && scheme != "https":
		return "", fmt.Errorf("superd URL %q: scheme must be http or https", raw)
	case u.Opaque != "" || u.Host == "" || u.Hostname() == "":
		return "", fmt.Errorf("superd URL %q: no host (want e.g. http://127.0.0.1:8080)", raw)
	case u.User != nil:
		return "", fmt.Errorf("superd URL %q: user info is not allowed (the token is given separately)", raw)
	case u.Path != "" && u.Path != "/":
		return "", fmt.Errorf("superd URL %q: a path is not allowed (the API is at the root)", raw)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return "", fmt.Errorf("superd URL %q: a query or fragment is not allowed", raw)
	}
	return scheme + "://" + u.Host, nil
}

// newHTTPClient returns the http.Client of a Client using tr.
func newHTTPClient(tr http.RoundTripper) *http.Client {
	return &http.Client{
		Transport: tr,
		// The API never redirects; following one would turn a POST into a
		// GET of some other resource, or send the token elsewhere.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Target returns where the client talks to superd: the socket path, or
// the base URL of a remote client. Errors name the same.
func (c *Client) Target() string { return c.target }

// Status returns the status of the named service.
func (c *Client) Status(ctx context.Context, name string) (ServiceStatus, error) {
	return c.serviceOp(ctx, http.MethodGet, name, "")
}

// Start starts the named service and returns its status once its process
// runs; when its program could not be executed, the status (which says
// why) and an error wrapping [ErrStartFailed].
func (c *Client) Start(ctx context.Context, name string) (ServiceStatus, error) {
	return c.serviceOp(ctx, http.MethodPost, name, "start")
}

// Stop stops the named service and returns its status once its process
// group is gone.
func (c *Client) Stop(ctx context.Context, name string) (ServiceStatus, error) {
	return c.serviceOp(ctx, http.MethodPost, name, "stop")
}

// Restart restarts the named service and returns its new status; when its
// program could not be executed, with an error wrapping [ErrStartFailed].
func (c *Client) Restart(ctx context.Context, name string) (ServiceStatus, error) {
	return c.serviceOp(ctx, http.MethodPost, name, "restart")
}

// ConfigErrors returns the service files superd could not load at start or
// at its last reload, and the services whose file loaded but that superd
// could not create (their log directory refused, say), until it does; none
// when every file loaded and every service was created. While the
// configuration directory itself cannot be loaded, the first entry says
// so (ConfigError.Dir). A daemon that predates
// this request answers 404: an *[APIError] that does not match
// [ErrUnknownService].
func (c *Client) ConfigErrors(ctx context.Context) ([]ConfigError, error) {
	var out ConfigErrors
	if err := c.do(ctx, http.MethodGet, "/v1/config/errors", "", nil, &out); err != nil {
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
	err := c.do(ctx, http.MethodPost, path, "", nil, out)
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		apiErr.configRequest = true
	}
	return err
}

// Version returns superd's version.
func (c *Client) Version(ctx context.Context) (VersionInfo, error) {
	var out VersionInfo
	err := c.do(ctx, http.MethodGet, "/v1/version", "", nil, &out)
	return out, err
}

// Usage returns what the processes of every running service use now,
// sorted by name. A superd that cannot tell (not on Linux) answers 501:
// the error then matches [errors.ErrUnsupported].
func (c *Client) Usage(ctx context.Context) ([]ServiceUsage, error) {
	var out []ServiceUsage
	if err := c.do(ctx, http.MethodGet, "/v1/usage", "", nil, &out); err != nil {
		return nil, err
	}
	return out, nil
}

func (c *Client) serviceOp(ctx context.Context, method, name, action string) (ServiceStatus, error) {
	path, err := servicePath(name, action)
	if err != nil {
		return ServiceStatus{}, err
	}
	var out ServiceStatus
	err = c.do(ctx, method, path, name, nil, &out)
	if err == nil && (action == "start" || action == "restart") && out.Error != "" {
		// superd started it, but its program could not be executed.
		return out, startFailedError(out.Error)
	}
	return out, err
}

// startFailedError is superd's message for a start whose program could not
// be executed; it matches ErrStartFailed.
type startFailedError string

func (e startFailedError) Error() string { return string(e) }
func (e startFailedError) Unwrap() error { return ErrStartFailed }

// servicePath returns the path of a request about service name: the
// service's own with action "", else that of the action.
func servicePath(name, action string) (string, error) {
	// These names cannot be service names (which come from file names) and
	// would change the meaning of the URL.
	if name == "" || name == "." || name == ".." || strings.Contains(name, "/") {
		return "", fmt.Errorf("%w: bad service name %q", ErrInvalidArgument, name)
	}
	path := "/v1/services/" + url.PathEscape(name)
	if action != "" {
		path += "/" + action
	}
	return path, nil
}

// newRequest builds a request to path carrying the client's token.
func (c *Client) newRequest(ctx context.Context, method, path string, body io.Reader) (*http.Request, error) {
	if c.probe != nil && c.token != "" {
		if err := c.checkPlainHTTP(ctx); err != nil {
			return nil, err
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, c.baseURL+path, body)
	if err != nil {
		return nil, fmt.Errorf("building request %s %s: %w", method, path, err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	return req, nil
}

// do sends one request, with in as its JSON body unless in is nil, and
// decodes a 2xx answer into out. service is the service the request is
// about ("" for the others); it lets APIError tell an unknown service from
// an unknown route.
func (c *Client) do(ctx context.Context, method, path, service string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encoding request %s %s: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := c.newRequest(ctx, method, path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return c.send(ctx, req, method, path, service, out)
}

// send sends req and decodes a 2xx answer into out.
func (c *Client) send(ctx context.Context, req *http.Request, method, path, service string, out any) error {
	resp, err := c.http.Do(req)
	if err != nil {
		return c.transportError(ctx, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return c.readAPIError(resp, service)
	}
	body := io.LimitReader(resp.Body, maxResponseBody)
	if sd, ok := out.(streamDecoder); ok {
		err = sd.decodeStream(body)
	} else {
		err = json.NewDecoder(body).Decode(out)
	}
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("reading answer from superd: %w", ctx.Err())
		}
		var syntaxErr *json.SyntaxError
		if mt := mediaType(resp.Header.Get("Content-Type")); !strings.EqualFold(mt, "application/json") &&
			(errors.As(err, &syntaxErr) || errors.Is(err, io.EOF)) {
			// superd answers JSON there, always, and says so: another
			// server answered.
			with := "without a Content-Type"
			if mt != "" {
				with = fmt.Sprintf("with %q", sanitizeLine(mt, 80))
			}
			return fmt.Errorf("what answers at %s does not speak superd's API (it answered %s %s %s, not JSON): %w",
				c.target, method, path, with, err)
		}
		return fmt.Errorf("decoding answer to %s %s from superd: %w", method, path, err)
	}
	return nil
}

// mediaType returns the media type of a Content-Type header, without its
// parameters.
func mediaType(contentType string) string {
	mt, _, _ := strings.Cut(contentType, ";")
	return strings.TrimSpace(mt)
}

// plainHTTPToTLS is the whole body of net/http's answer (a 400 without a
// Content-Type) to a plain-HTTP request on a port that serves TLS.
const plainHTTPToTLS = "Client sent an HTTP request to an HTTPS server."

// readAPIError turns a non-2xx answer into an *APIError about service.
func (c *Client) readAPIError(resp *http.Response, service string) *APIError {
	apiErr := &APIError{StatusCode: resp.StatusCode, Service: service, target: c.target}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	var eb ErrorBody
	switch mediaType := mediaType(resp.Header.Get("Content-Type")); {
	case json.Unmarshal(body, &eb) == nil && eb.Error != "":
		apiErr.Message, apiErr.Errors, apiErr.code = eb.Error, eb.Errors, eb.Code
		apiErr.superd = true
	case resp.StatusCode == http.StatusBadRequest && strings.TrimSpace(string(body)) == plainHTTPToTLS:
		// superd's HTTP API serves TLS there: a remote client of an
		// http:// URL (not a socket client, whose base URL is a
		// placeholder) is told to use https://.
		apiErr.text = plainHTTPToTLS
		if base, ok := strings.CutPrefix(c.baseURL, "http://"); ok && c.target == c.baseURL {
			apiErr.text += " (that port serves HTTPS: use https://" + base + ")"
		}
	case strings.EqualFold(mediaType, "text/plain"):
		// Another server's plain-text answer says why.
		line, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n")
		apiErr.text = sanitizeLine(line, 200)
	}
	return apiErr
}

// sanitizeLine returns s without control characters, cut to at most max
// bytes: another server's text, fit to be shown in one line.
func sanitizeLine(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f || r == utf8.RuneError {
			return -1
		}
		return r
	}, s)
	if len(s) > max {
		s = strings.ToValidUTF8(s[:max], "") + "…"
	}
	return s
}

// transportError classifies an error from http.Client.Do.
func (c *Client) transportError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		// The cause, if the caller gave one (a timeout of its own).
		return fmt.Errorf("waiting for superd at %s: %w", c.target, context.Cause(ctx))
	}
	var de *dialError
	if errors.As(err, &de) {
		return &UnreachableError{Socket: c.target, Err: de.err, LockHolder: de.holder}
	}
	// Strip *url.Error: its text repeats the placeholder URL.
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var unknownCA x509.UnknownAuthorityError
	switch {
	case errors.As(err, &unknownCA):
		return fmt.Errorf("talking to superd at %s: %w (for a private CA or a self-signed certificate, point SSL_CERT_FILE at it)", c.target, err)
	case errors.Is(err, http.ErrSchemeMismatch):
		if base, ok := strings.CutPrefix(c.baseURL, "https://"); ok {
			return fmt.Errorf("talking to superd at %s: %w (that port serves plain HTTP: use http://%s)", c.target, err, base)
		}
	case notHTTP(err):
		return fmt.Errorf("what answers at %s does not speak superd's API (its answer is not HTTP): %w", c.target, err)
	case closedUnanswered(err):
		return fmt.Errorf("what answers at %s closed the connection without answering: it does not speak superd's API, or superd stopped meanwhile: %w", c.target, err)
	}
	return fmt.Errorf("talking to superd at %s: %w", c.target, err)
}

// notHTTP reports whether err, from http.Client.Do, says the answer was
// not HTTP/1.x at all, as superd's always is: net/http gives such errors
// no type of their own.
func notHTTP(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "malformed HTTP ") || strings.Contains(msg, "malformed MIME header")
}

// closedUnanswered reports whether err, from http.Client.Do on a
// connection made, says the peer closed it before any answer: superd
// answers every request it reads, if only with an error.
func closedUnanswered(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// dialError marks a failure to connect, as opposed to one on an
// established connection.
type dialError struct {
	err    error
	holder int // the PID holding the socket's lock, for a socket that is not there or refuses (see UnreachableError.LockHolder)
}

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
	// Errors are the problems of an invalid definition (a 400 to
	// PutDefinition), each with file, line and key.
	Errors []ConfigError

	// code is the ErrorBody's Code.
	code string
	// configRequest is true for the requests about the configuration
	// directory (Reload, CheckConfig).
	configRequest bool
	// superd is true when the answer was superd's JSON error: a 404 from
	// another server (a wrong --url) is no unknown service.
	superd bool
	// text is the first line of a plain-text answer that was not.
	text string
	// target is where the answer came from (Client.Target).
	target string
}

// Foreign reports whether the answer is known not to come from superd:
// neither superd's JSON error nor plain text (which an older superd gave
// for an unknown route).
func (e *APIError) Foreign() bool {
	return !e.superd && e.text == ""
}

// Error returns superd's message, or the status when there was none.
func (e *APIError) Error() string {
	switch {
	case e.Message != "":
		return e.Message
	case e.text != "":
		return fmt.Sprintf("superd answered %d %s: %s", e.StatusCode, http.StatusText(e.StatusCode), e.text)
	case !e.superd && e.target != "":
		return fmt.Sprintf("what answers at %s does not speak superd's API (it answered %d %s without superd's JSON error)", e.target, e.StatusCode, http.StatusText(e.StatusCode))
	case !e.superd:
		return fmt.Sprintf("superd answered %d %s, not with superd's JSON error (is it superd at that address?)", e.StatusCode, http.StatusText(e.StatusCode))
	}
	return fmt.Sprintf("superd answered %d %s", e.StatusCode, http.StatusText(e.StatusCode))
}

// Is reports whether the answer corresponds to one of the sentinel errors:
// ErrUnknownService for a 404 to a request about a service that superd
// answered with its JSON error (a 404 to any other request means an
// unknown route, and one without that body another server), ErrInvalidArgument for a 400,
// ErrConflict for a 409, ErrConfigUnavailable or ErrUnavailable for a 503
// as its body's code says (config_unavailable: the configuration directory
// cannot be read; unavailable: superd is shutting down, or the socket has no connection
// left for the caller; from a superd that
// gives no code, a 503 to Reload or CheckConfig is ErrConfigUnavailable
// and to anything else ErrUnavailable; the socket's refusal of a
// connection is ErrTooManyConnections too), ErrUnauthorized
// for a 401, ErrForbidden for a 403, ErrPreconditionFailed for a 412 and
// errors.ErrUnsupported for superd's 501.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrUnknownService:
		return e.StatusCode == http.StatusNotFound && e.Service != "" && e.superd
	case ErrInvalidArgument:
		return e.StatusCode == http.StatusBadRequest
	case ErrConflict:
		return e.StatusCode == http.StatusConflict
	case ErrConfigUnavailable:
		// A superd that gives no code (older) is known by the route.
		return e.StatusCode == http.StatusServiceUnavailable &&
			(e.code == CodeConfigUnavailable || e.code == "" && e.configRequest)
	case ErrUnavailable:
		return e.StatusCode == http.StatusServiceUnavailable && e.code != CodeConfigUnavailable
	case ErrTooManyConnections:
		// An older superd's answer was plain text: its line ends the
		// message.
		return e.StatusCode == http.StatusServiceUnavailable && strings.HasSuffix(e.Error(), TooManyConnections)
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrPreconditionFailed:
		return e.StatusCode == http.StatusPreconditionFailed
	case errors.ErrUnsupported:
		return e.StatusCode == http.StatusNotImplemented && e.superd
	default:
		return false
	}
}

// UnreachableError reports that the client could not connect to superd.
type UnreachableError struct {
	// Socket is where the client looked: the socket path, or the base URL
	// of a remote client ([Client.Target]).
	Socket string
	// Err is the dial error.
	Err error
	// LockHolder is the PID of the process that holds the socket's lock
	// file (SOCKET.lock) when the socket is missing or refuses
	// connections: a superd that is starting, or shutting down (it
	// removes its socket first, and stops its services before it exits),
	// or whose socket was removed while it runs (a SIGHUP makes it
	// again). 0 if none, or if that cannot be told (a remote client, a
	// system other than Linux: see flock.Holder).
	LockHolder int
}

// Error returns a one-line message naming the socket (or URL), suitable
// for users.
func (e *UnreachableError) Error() string {
	switch {
	case errors.Is(e.Err, errPathTooLong):
		// No socket can exist there: the reason says it all.
		return fmt.Sprintf("cannot reach superd at %s: %s", e.Socket, dialReason(e.Err))
	case errors.Is(e.Err, errNotSocket):
		return fmt.Sprintf("cannot reach superd at %s: %s (is the socket path right?)", e.Socket, dialReason(e.Err))
	case errors.Is(e.Err, fs.ErrPermission):
		// superd may well be running: this user may not open its socket.
		return fmt.Sprintf("cannot reach superd at %s: %s (only root, superd's user and its control group may use the socket)", e.Socket, dialReason(e.Err))
	case e.LockHolder > 0 && errors.Is(e.Err, syscall.ECONNREFUSED):
		// A socket file nothing listens on: a superd that has not made
		// its own yet, or a dead one put in its place, which superd does
		// not replace.
		return fmt.Sprintf("cannot reach superd at %s: %s (superd, pid %d, holds %s.lock: it is starting; or what is at %s is not its socket: remove it, then kill -HUP %d makes superd's again)",
			e.Socket, dialReason(e.Err), e.LockHolder, e.Socket, e.Socket, e.LockHolder)
	case e.LockHolder > 0:
		return fmt.Sprintf("cannot reach superd at %s: %s (superd, pid %d, holds %s.lock: it is starting, or shutting down and stopping its services; or its socket was removed: kill -HUP %d makes it again)",
			e.Socket, dialReason(e.Err), e.LockHolder, e.Socket, e.LockHolder)
	default:
		return fmt.Sprintf("cannot reach superd at %s: %s (is superd running?)", e.Socket, dialReason(e.Err))
	}
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
