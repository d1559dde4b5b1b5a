package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
)

// Webhook defaults, applied by NewWebhook to zero config fields.
const (
	DefaultTimeout     = 5 * time.Second
	DefaultRetries     = 3
	DefaultBackoffBase = time.Second
	DefaultBackoffMax  = 30 * time.Second
	DefaultUserAgent   = "supers"
)

// maxResponseBody is how much of a response body is read (and discarded);
// the rest is left unread and the connection closed.
const maxResponseBody = 64 << 10

// secretPrefix marks a Standard Webhooks secret: whsec_ then base64.
const secretPrefix = "whsec_"

// WebhookConfig describes one webhook. Only Name and URL are required.
type WebhookConfig struct {
	// Name identifies the webhook in logs and errors.
	Name string
	// URL is the http or https endpoint events are POSTed to. Only its
	// scheme and host are ever logged: receivers often carry a token in
	// the user info, the path (Slack, Discord) or the query.
	URL string
	// Filter selects the events sent; the zero Filter sends all.
	Filter Filter
	// Secrets sign each request (webhook-signature, one v1 signature per
	// secret, so a secret can be rotated). Decode them with ParseSecret.
	// None: requests are not signed.
	Secrets [][]byte
	// Timeout bounds one attempt: connect, TLS, request and response.
	// Zero means DefaultTimeout.
	Timeout time.Duration
	// Retries is how many times a failed attempt is retried. Zero means
	// DefaultRetries; negative means no retry.
	Retries int
	// BackoffBase is the wait before the first retry, doubled at each
	// retry (with jitter: between half and all of it) up to BackoffMax.
	// Zero means DefaultBackoffBase.
	BackoffBase time.Duration
	// BackoffMax caps the wait between attempts, including one asked for
	// by a Retry-After header. Zero means DefaultBackoffMax.
	BackoffMax time.Duration
	// DenyPrivate also refuses loopback, private and shared address
	// ranges (link-local, unspecified and multicast are always refused).
	DenyPrivate bool
	// CA holds PEM CA certificates trusted instead of the system's, for a
	// receiver with a private CA (as curl's --cacert). Empty trusts the
	// system's. The caller reads the file: superd reads it once, when it
	// parses superd.conf, so that what it checked is what is trusted.
	CA []byte
	// UserAgent is sent as User-Agent, e.g. "supers/1.2.0". Empty means
	// DefaultUserAgent.
	UserAgent string
	// Logger receives one line per failed attempt that is retried, and
	// one per delivery that succeeded after a retry. A delivery that fails
	// for good is not logged: Notify's error says it all (the URL as
	// logged, the event, the attempts, the last error), for the caller to
	// log once (as a Queue does). Nil discards.
	Logger *slog.Logger
}

// Webhook is a Notifier that POSTs events as JSON following the Standard
// Webhooks specification (https://www.standardwebhooks.com). It is safe
// for concurrent use. Create it with NewWebhook; Close releases its idle
// connections.
type Webhook struct {
	name        string
	url         string // full URL, for requests only
	logURL      string // scheme://host[/...], for logs (see redactURL)
	filter      Filter
	secrets     [][]byte
	timeout     time.Duration
	retries     int
	backoffBase time.Duration
	backoffMax  time.Duration
	userAgent   string
	log         *slog.Logger
	client      *http.Client
	transport   *http.Transport
}

// StatusError is the error of an attempt answered with a non-2xx status.
type StatusError struct {
	// StatusCode is the HTTP status code, e.g. 503.
	StatusCode int
}

// Error returns e.g. "HTTP 503 Service Unavailable".
func (e *StatusError) Error() string {
	return fmt.Sprintf("HTTP %d %s", e.StatusCode, http.StatusText(e.StatusCode))
}

// ParseSecret decodes a webhook secret. The Standard Webhooks form
// "whsec_<base64>" is decoded; any other non-empty value is used as raw
// bytes. The error never contains the secret.
func ParseSecret(s string) ([]byte, error) {
	if s == "" {
		return nil, errors.New("notify: empty webhook secret")
	}
	rest, ok := strings.CutPrefix(s, secretPrefix)
	if !ok {
		return []byte(s), nil
	}
	b, err := base64.StdEncoding.DecodeString(rest)
	if err != nil || len(b) == 0 {
		return nil, errors.New("notify: webhook secret has the whsec_ prefix but is not valid base64")
	}
	return b, nil
}

// NewWebhook validates cfg, applies its defaults and returns the webhook.
func NewWebhook(cfg WebhookConfig) (*Webhook, error) {
	if cfg.Name == "" {
		return nil, errors.New("notify: webhook has no name")
	}
	fail := func(format string, args ...any) (*Webhook, error) {
		return nil, fmt.Errorf("notify: webhook %q: "+format, append([]any{cfg.Name}, args...)...)
	}
	if strings.ContainsFunc(cfg.URL, unicode.IsSpace) {
		// url.Parse takes it, escaped: the requests would go elsewhere.
		return fail("URL contains a space or another blank character (escape it: %%20)")
	}
	u, err := url.Parse(cfg.URL)
	if err != nil {
		// url.Error quotes the URL, which may hold credentials: keep only the cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fail("invalid URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fail("URL scheme must be http or https, not %q", u.Scheme)
	}
	if u.Hostname() == "" {
		return fail("URL has no host")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return fail("URL port %s out of range (1-65535)", p)
		}
	}
	for i, s := range cfg.Secrets {
		if len(s) == 0 {
			return fail("secret %d is empty", i+1)
		}
	}
	if cfg.Timeout < 0 || cfg.BackoffBase < 0 || cfg.BackoffMax < 0 {
		return fail("negative duration")
	}
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12}
	if len(cfg.CA) > 0 {
		// Only these: the system's roots are not trusted with them.
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(cfg.CA) {
			return fail("CA: no PEM certificate found")
		}
		tlsConf.RootCAs = pool
	}
	w := &Webhook{
		name:        cfg.Name,
		url:         u.String(),
		logURL:      redactURL(u),
		filter:      cfg.Filter,
		secrets:     cfg.Secrets,
		timeout:     orDefault(cfg.Timeout, DefaultTimeout),
		retries:     cfg.Retries,
		backoffBase: orDefault(cfg.BackoffBase, DefaultBackoffBase),
		backoffMax:  orDefault(cfg.BackoffMax, DefaultBackoffMax),
		userAgent:   orDefault(cfg.UserAgent, DefaultUserAgent),
		log:         cfg.Logger,
	}
	switch {
	case w.retries == 0:
		w.retries = DefaultRetries
	case w.retries < 0:
		w.retries = 0
	}
	w.backoffMax = max(w.backoffMax, w.backoffBase)
	if w.log == nil {
		w.log = slog.New(slog.DiscardHandler)
	}
	w.log = w.log.With("webhook", w.name)
	w.transport = &http.Transport{
		Proxy:                 nil, // never: the address check must see the real target
		DialContext:           newDialer(cfg.DenyPrivate).DialContext,
		TLSClientConfig:       tlsConf,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          4,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	w.client = &http.Client{
		Transport: w.transport,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse // a 3xx is returned, and is a failure
		},
	}
	return w, nil
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// redactURL returns the scheme and host of u, followed by "/..." when
// anything else (user info, path, query, fragment) is there: it may hold a
// token.
func redactURL(u *url.URL) string {
	r := u.Scheme + "://" + u.Host
	if u.User != nil || u.Opaque != "" || u.RawQuery != "" || u.Fragment != "" || u.Path != "" && u.Path != "/" {
		r += "/..."
	}
	return r
}

// Name returns the webhook's name.
func (w *Webhook) Name() string { return w.name }

// Match reports whether the webhook's filter keeps e (see Matcher).
func (w *Webhook) Match(e Event) bool { return w.filter.Match(e) }

// Close closes the webhook's idle connections. The webhook stays usable.
func (w *Webhook) Close() { w.transport.CloseIdleConnections() }

// Notify delivers e with one POST, retried on connection errors, timeouts,
// 408, 429 and 5xx with exponential backoff and jitter (a Retry-After
// header is honoured, up to BackoffMax), never on other statuses or a
// refused address. An attempt that got no answer closes the connection it
// was sent on, so that the next one dials anew; one that a reused
// keep-alive connection, closed by the receiver as it was sent, cut is
// sent again at once on a new connection (the transport does it: not a
// retry). Every attempt carries the
// same webhook-id (e.ID). An
// event the filter does not keep is skipped and nil returned. The error
// names the webhook, its scheme and host, the event and the attempts made,
// and wraps the last attempt's: a *StatusError, ErrAddressRefused, or a
// transport error; or ctx's error when ctx ended first. Only the retries
// are logged (see WebhookConfig.Logger).
func (w *Webhook) Notify(ctx context.Context, e Event) error {
	return w.notifyUntil(ctx, e, nil)
}

// notifyUntil is Notify, which makes no new attempt once stop is closed
// (a Queue handing its events off to the webhook's new configuration):
// it returns the last attempt's error.
func (w *Webhook) notifyUntil(ctx context.Context, e Event, stop <-chan struct{}) error {
	if !w.filter.Match(e) {
		return nil
	}
	body, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("webhook %q: encode event: %w", w.name, err)
	}
	for attempt := 1; ; attempt++ {
		retryAfter, err := w.attempt(ctx, e, body)
		if err == nil {
			if attempt > 1 {
				w.log.Info("webhook delivered after retry", "event", e.ID, "attempt", attempt)
			}
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("webhook %q (%s): event %s: %w during attempt %d", w.name, w.logURL, e.ID, context.Cause(ctx), attempt)
		}
		retry := retryable(err) && attempt <= w.retries
		wait := time.Duration(0)
		if retry {
			wait = backoff(w.backoffBase, w.backoffMax, attempt-1)
			if retryAfter >= 0 {
				wait = min(retryAfter, w.backoffMax)
			}
		}
		if !retry {
			// Not logged here: the caller (a Queue) logs the loss once,
			// with this error, which says it all.
			return w.failed(e, attempt, err)
		}
		if stopped(stop) {
			return fmt.Errorf("webhook %q (%s): event %s: retries stopped after %s (configuration replaced): %w", w.name, w.logURL, e.ID, attempts(attempt), err)
		}
		w.log.Warn("webhook attempt failed, will retry", "event", e.ID, "type", e.Type, "service", e.Service,
			"url", w.logURL, "attempt", attempt, "err", err, "retry_in", wait)
		switch serr := sleepUntil(ctx, wait, stop); {
		case serr != nil:
			return fmt.Errorf("webhook %q (%s): event %s: %w after %s (last: %v)", w.name, w.logURL, e.ID, serr, attempts(attempt), err)
		case stopped(stop):
			return fmt.Errorf("webhook %q (%s): event %s: retries stopped after %s (configuration replaced): %w", w.name, w.logURL, e.ID, attempts(attempt), err)
		}
	}
}

// failed returns the error of a delivery that failed for good at its
// attempt-th attempt with err: it names the webhook, its URL as logged
// (see redactURL), the event, the attempts made and the last error, and
// wraps err.
func (w *Webhook) failed(e Event, attempt int, err error) error {
	if !retryable(err) {
		return fmt.Errorf("webhook %q (%s): event %s: not retried after %s: %w", w.name, w.logURL, e.ID, attempts(attempt), err)
	}
	return fmt.Errorf("webhook %q (%s): event %s: gave up after %s: %w", w.name, w.logURL, e.ID, attempts(attempt), err)
}

// attempts returns "1 attempt" or "N attempts".
func attempts(n int) string {
	if n == 1 {
		return "1 attempt"
	}
	return strconv.Itoa(n) + " attempts"
}

// attempt makes one POST. It returns the Retry-After delay the response
// asked for (negative when none) and the attempt's error.
func (w *Webhook) attempt(parent context.Context, e Event, body []byte) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(parent, w.timeout)
	defer cancel()
	var used usedConn
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, used.trace()), http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return -1, stripURL(err)
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	h := req.Header
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", w.userAgent)
	h.Set("X-Supers-Event", e.Type)
	h.Set("webhook-id", e.ID)
	// Idempotent (the webhook-id is its key), which the transport reads
	// from this mark, sent empty and so not on the wire: a request that a
	// keep-alive connection closed by the receiver (its idle timeout)
	// cuts is sent again at once on a new connection, not failed.
	h["Idempotency-Key"] = []string{}
	h.Set("webhook-timestamp", ts)
	if len(w.secrets) > 0 {
		h.Set("webhook-signature", sign(w.secrets, e.ID, ts, body))
	}
	resp, err := w.client.Do(req)
	if err != nil {
		// No answer: the connection may be dead without having been
		// reset (the receiver's host died, a NAT forgot the flow).
		// HTTP/2 keeps a connection whose request was cancelled, and
		// would send the retry, and every later event, on it again.
		used.close()
		err = stripURL(err)
		switch {
		case parent.Err() == nil && errors.Is(ctx.Err(), context.DeadlineExceeded):
			// The attempt's own limit, not the caller's: say which.
			err = fmt.Errorf("no response within %v: %w", w.timeout, err)
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			// Else a bare "Post: EOF".
			err = fmt.Errorf("the receiver closed the connection without answering: %w", err)
		}
		return -1, err
	}
	defer resp.Body.Close()
	// Read a bounded part so a small answer leaves the connection
	// reusable; a larger one is cut off when the body is closed.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseBody))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return -1, nil
	}
	return parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()), &StatusError{StatusCode: resp.StatusCode}
}

// usedConn records the connection an attempt was sent on, so that an
// attempt that got no answer can close it.
type usedConn struct {
	mu   sync.Mutex
	conn net.Conn
}

// trace returns the hooks that record the connection.
func (u *usedConn) trace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
		u.mu.Lock()
		defer u.mu.Unlock()
		u.conn = info.Conn
	}}
}

// close closes the connection recorded, if any: the transport drops it
// from its pool, and the next attempt dials anew.
func (u *usedConn) close() {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.conn != nil {
		_ = u.conn.Close() // already closed, for HTTP/1.1: the cancelled request closed it
	}
}

// sign returns the webhook-signature header value: one "v1,<base64>"
// HMAC-SHA256 of "<id>.<timestamp>.<body>" per secret, space-separated.
func sign(secrets [][]byte, id, ts string, body []byte) string {
	sigs := make([]string, 0, len(secrets))
	for _, s := range secrets {
		m := hmac.New(sha256.New, s)
		m.Write([]byte(id))
		m.Write([]byte{'.'})
		m.Write([]byte(ts))
		m.Write([]byte{'.'})
		m.Write(body)
		sigs = append(sigs, "v1,"+base64.StdEncoding.EncodeToString(m.Sum(nil)))
	}
	return strings.Join(sigs, " ")
}

// stripURL drops the URL that *url.Error carries (it may hold credentials
// or a token in the query), keeping the operation and cause.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}
