package transport

import (
	"bytes"
	"context"
	"crypto"
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ErrInsecureListen: [ListenTCP] was asked to serve a non-loopback address
// in plain HTTP without [TCPOptions.Insecure].
var ErrInsecureListen = errors.New("a non-loopback address needs TLS or an explicit insecure opt-in")

// ErrTLSFiles matches the error of a TLS certificate and key that could
// not be used (missing, not a pair, a key every user may read), for a
// caller to name the setting that gave them.
var ErrTLSFiles = errors.New("TLS certificate and key refused")

// tlsFilesError is an error of the TLS files: its text is err's, and it
// matches ErrTLSFiles.
type tlsFilesError struct{ err error }

func (e *tlsFilesError) Error() string        { return e.err.Error() }
func (e *tlsFilesError) Unwrap() error        { return e.err }
func (e *tlsFilesError) Is(target error) bool { return target == ErrTLSFiles }

// TCPOptions configures the control API on TCP: [ListenTCP] and
// [TCPHandler] take the same options.
type TCPOptions struct {
	// Addr is the host:port to listen on. The host is an IP address, a
	// name that resolves only to loopback addresses ("localhost"), or
	// empty for every interface (":8080"). Anything but loopback needs TLS
	// or Insecure.
	Addr string
	// Token is the bearer token every request must carry, except GET
	// /healthz. Required unless TokenFile is set: [ListenTCP] refuses an
	// empty or malformed one, and [TCPHandler] refuses every request
	// without a token when it is empty. See [LoadOrCreateToken].
	Token string
	// TokenFile, when set, is the file the token is kept in (see
	// [LoadOrCreateToken], which the file must pass; it is never created
	// here), so that the token can be rotated without a restart:
	// [TCPHandler] looks at the file (one stat) at each request that
	// presents a bearer token and, once it changed on disk (its identity,
	// size, modification time, mode or owner: a new file renamed over it,
	// a rewrite, a chmod), reads it again. From then on only its token is
	// accepted, on connections already open too; Logger gets an Info
	// record (never the token); and the requests still under way with the
	// token it replaced end: a stream (followed events or logs) is cut,
	// an answer still awaited is a 401. A changed file that cannot be used
	// (missing, empty or half-written, refused for its mode, owner or
	// content) leaves the token in force, with one Warn record per change;
	// one that could not be opened or read is tried again at every
	// request. Token, when set, is the token in force until the file is
	// first looked at (the one read from it at start); without Token,
	// [ListenTCP] reads the file and refuses one that does not load.
	TokenFile string
	// Hosts lists the names and addresses accepted in the Host header
	// besides "localhost" and loopback addresses: the names clients use to
	// reach a non-loopback listener ("superd.example.com", "10.0.0.5").
	// Without a port; compared case-insensitively.
	Hosts []string
	// TLSCertFile and TLSKeyFile are the PEM files of the certificate
	// (chain) and its key: both or neither. With them the API is served
	// over HTTPS only. They are read again at the first handshake after
	// either changed on disk (a renewal, in place or by a symlink swap);
	// a changed pair that does not load leaves the last good one in use,
	// with a warning in Logger.
	TLSCertFile, TLSKeyFile string
	// Insecure allows a non-loopback Addr without TLS, where the token and
	// everything else travel in clear.
	Insecure bool
	// Logger receives a warning per refused request (never the token) and
	// the listener's address. Nil discards.
	Logger *slog.Logger
}

// listenNetwork returns the network to listen on addr with: "tcp4" for an
// IPv4 literal, "tcp6" for an IPv6 one, "tcp" for a name (Go listens on
// one of its addresses) or no host (every address of both families). Go
// listens on every IPv6 address too for "0.0.0.0" under "tcp" (one
// dual-stack socket), which an administrator who wrote 0.0.0.0, and whose
// firewall rules may be IPv4 only, does not expect (nginx, sshd and
// supervisord listen on IPv4 alone); and, as nginx, "[::]" is IPv6 only.
func listenNetwork(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return "tcp"
	}
	ip, err := netip.ParseAddr(host)
	switch {
	case err != nil:
		return "tcp"
	case ip.Is4() || ip.Is4In6():
		return "tcp4"
	default:
		return "tcp6"
	}
}

// ListenTCP checks opts and listens on opts.Addr: loopback addresses are
// always allowed; any other address (":8080", "0.0.0.0:8080", a routable
// IP, a name resolving to one) only with TLS or opts.Insecure, else the
// error wraps [ErrInsecureListen]. Serving a non-loopback address is
// logged at Warn. The listener speaks TLS (1.2 or later, HTTP/1.1) when a
// certificate and key are given. It has at most 256 connections open at
// once: Accept waits for one of them to close, and the clients beyond
// wait in the kernel's listen backlog. ctx bounds the name resolution.
//
// Serve it with [NewServer]([TCPHandler](h, opts)).
func ListenTCP(ctx context.Context, opts TCPOptions) (net.Listener, error) {
	if opts.Token != "" || opts.TokenFile == "" {
		if err := checkToken(opts.Token); err != nil {
			return nil, fmt.Errorf("listen on %s: %w", opts.Addr, err)
		}
	} else if _, err := loadToken(opts.TokenFile); err != nil {
		return nil, fmt.Errorf("listen on %s: %w", opts.Addr, err)
	}
	tlsConfig, loopback, err := checkTCP(ctx, opts)
	if err != nil {
		return nil, err
	}

	ln, err := (&net.ListenConfig{}).Listen(ctx, listenNetwork(opts.Addr), opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", opts.Addr, err)
	}
	// The name may resolve differently now: what counts is where we are.
	bound := netip.IPv6Unspecified()
	if ta, ok := ln.Addr().(*net.TCPAddr); ok {
		bound = ta.AddrPort().Addr().Unmap()
	}
	if loopback && !bound.IsLoopback() {
		_ = ln.Close()
		return nil, fmt.Errorf("listen on %s: bound to %s, which is not a loopback address: %w", opts.Addr, bound, ErrInsecureListen)
	}

	logger := loggerOrDiscard(opts.Logger)
	scheme := "http"
	if tlsConfig != nil {
		scheme = "https"
	}
	switch {
	case loopback:
		logger.Info("HTTP API listening", "addr", ln.Addr().String(), "scheme", scheme)
	case tlsConfig != nil:
		logger.Warn("control API listening on a NON-LOOPBACK address: anyone who can reach it and has the token controls superd",
			"addr", ln.Addr().String(), "scheme", scheme)
	default:
		logger.Warn("control API listening on a NON-LOOPBACK address WITHOUT TLS (insecure): the token and all traffic travel in clear",
			"addr", ln.Addr().String(), "scheme", scheme)
	}
	ln = newLimitListener(ln, maxTCPConns, fullLogger(logger, "HTTP API", maxTCPConns))
	if tlsConfig != nil {
		return tls.NewListener(ln, tlsConfig), nil
	}
	return ln, nil
}

// CheckTCPOptions makes every check of [ListenTCP] but the token's, and
// listens on nothing: a program can refuse a bad address, Host list or
// certificate before it creates a token for it.
func CheckTCPOptions(ctx context.Context, opts TCPOptions) error {
	_, _, err := checkTCP(ctx, opts)
	return err
}

// checkTCP checks opts but the token, and returns the TLS configuration
// (nil without TLS) and whether opts.Addr is a loopback address.
func checkTCP(ctx context.Context, opts TCPOptions) (*tls.Config, bool, error) {
	host, port, err := net.SplitHostPort(opts.Addr)
	if err != nil {
		return nil, false, fmt.Errorf("listen on %q: %w", opts.Addr, err)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		// Checked before anything is made (the token file): the listen
		// would refuse it only after.
		return nil, false, fmt.Errorf("listen on %q: port %q is not a number from 0 to 65535", opts.Addr, port)
	}
	for _, h := range opts.Hosts {
		if _, err := hostEntry(h); err != nil {
			return nil, false, fmt.Errorf("listen on %s: %w", opts.Addr, err)
		}
	}
	tlsConfig, err := loadTLS(opts.TLSCertFile, opts.TLSKeyFile, loggerOrDiscard(opts.Logger))
	if err != nil {
		return nil, false, fmt.Errorf("listen on %s: %w", opts.Addr, err)
	}
	loopback, err := resolvesToLoopback(ctx, host)
	if err != nil {
		return nil, false, fmt.Errorf("listen on %s: %w", opts.Addr, err)
	}
	if !loopback && tlsConfig == nil && !opts.Insecure {
		return nil, false, fmt.Errorf("listen on %s: %w (configure a certificate and key, or listen on 127.0.0.1)", opts.Addr, ErrInsecureListen)
	}
	return tlsConfig, loopback, nil
}

// loadTLS returns the server's TLS configuration, nil when neither file
// is given. The pair is loaded now (an error if it does not load), and
// again at a handshake once either file changed on disk (a renewal), so
// that a renewed certificate is served without a restart; a changed pair
// that does not load (half-way through a renewal) leaves the last good
// one in use, and logger says so. A key file that every user may read is
// refused (see checkKeyFileMode).
func loadTLS(certFile, keyFile string, logger *slog.Logger) (*tls.Config, error) {
	switch {
	case certFile == "" && keyFile == "":
		return nil, nil
	case certFile == "" || keyFile == "":
		return nil, errors.New("TLS needs both a certificate file and a key file")
	}
	r, err := newCertReloader(certFile, keyFile, logger)
	if err != nil {
		return nil, err
	}
	return &tls.Config{
		GetCertificate: r.getCertificate,
		MinVersion:     tls.VersionTLS12,
		NextProtos:     []string{"http/1.1"},
	}, nil
}

// newCertReloader loads the pair of certFile and keyFile, and returns
// the certReloader that serves it.
func newCertReloader(certFile, keyFile string, logger *slog.Logger) (*certReloader, error) {
	r := &certReloader{certFile: certFile, keyFile: keyFile, logger: logger,
		load: loadKeyPair, stat: os.Stat, now: time.Now}
	r.stamp = r.stampNow()
	r.racy = r.racilyRead(r.stamp)
	cert, err := r.load(certFile, keyFile)
	if err != nil {
		return nil, &tlsFilesError{fmt.Errorf("loading TLS certificate: %w", err)}
	}
	r.cert = &cert
	return r, nil
}

// loadKeyPair is tls.LoadX509KeyPair, refusing a key file that every user
// may read (checkKeyFileMode) once the pair loads: files given the other
// way round, or not PEM, are said as such first.
func loadKeyPair(certFile, keyFile string) (tls.Certificate, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return tls.Certificate{}, err
	}
	if fi, err := os.Stat(keyFile); err == nil {
		if err := checkKeyFileMode(keyFile, fi); err != nil {
			return tls.Certificate{}, err
		}
	}
	return cert, nil
}

// certReloader serves a certificate and key pair from their files,
// loading them again when either changes, or when they were last loaded
// within racyWindow of a change of either (a rewrite of the same size in
// the same tick of the file system's clock changes none of its stamps: a
// P-256 key file always has the same size).
type certReloader struct {
	certFile, keyFile string
	logger            *slog.Logger
	load              func(certFile, keyFile string) (tls.Certificate, error) // loadKeyPair, but in tests
	stat              func(path string) (os.FileInfo, error)                  // os.Stat, but in tests
	now               func() time.Time                                        // time.Now, but in tests

	mu    sync.Mutex
	cert  *tls.Certificate // the last pair that loaded
	stamp [2]os.FileInfo   // of the files when last loaded or tried; nil for one that could not be read
	retry bool             // the last try could not read a file: try again at the next handshake, changed or not
	racy  bool             // the last try came within racyWindow of a change of either file: try again at the next handshake
}

// racilyRead reports whether files stat'ed as st, loaded now, may change
// without their stamps showing it.
func (r *certReloader) racilyRead(st [2]os.FileInfo) bool {
	now := r.now()
	return racilyRead(st[0], now) || racilyRead(st[1], now)
}

// stampNow returns what the files are now (following links, as loading
// them does).
func (r *certReloader) stampNow() [2]os.FileInfo {
	var st [2]os.FileInfo
	for i, path := range []string{r.certFile, r.keyFile} {
		if fi, err := r.stat(path); err == nil {
			st[i] = fi
		}
	}
	return st
}

// sameFile reports whether a and b (nil: unreadable) are the same file,
// unchanged: same identity, size, modification time and change time (a
// rewrite that keeps the modification time, as `cp -p` or `rsync -t
// --inplace` do, still sets the change time).
func sameFile(a, b os.FileInfo) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime()) &&
		changeTime(a).Equal(changeTime(b))
}

// racyWindow is how long after a file's last change a read of it is not
// trusted to have seen its last content: a file system stamps its times
// with a coarse clock (a kernel tick, a second, two on FAT), so a rewrite
// of the same size within that tick, after the read, leaves every stamp as
// the read found it.
const racyWindow = 2 * time.Second

// racilyRead reports whether fi, stat'ed before a read at time now, may
// have changed since without any of its stamps showing it: its last change
// is within racyWindow of the read. The file is then read again at the
// next use, as git re-reads a "racily clean" file, until a read comes
// later than that.
func racilyRead(fi os.FileInfo, now time.Time) bool {
	if fi == nil {
		return false
	}
	changed := changeTime(fi)
	if changed.IsZero() || fi.ModTime().After(changed) {
		changed = fi.ModTime()
	}
	return now.Before(changed.Add(racyWindow))
}

// getCertificate is the tls.Config's GetCertificate: the pair in use,
// loaded again first if a file changed since it was last loaded or tried,
// or could not be read then.
//
// A pair that does not parse (half-way through a renewal) is tried once
// per change, and logged once. A file that could not be read is tried
// again at every handshake, logged only when it changed: what makes it
// readable again may change neither its size nor its time (a chmod or a
// chown of a renewed key that only root could read, a descriptor freed
// after EMFILE), and the renewed pair would otherwise never be served.
func (r *certReloader) getCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.stampNow()
	changed := !sameFile(now[0], r.stamp[0]) || !sameFile(now[1], r.stamp[1])
	if !changed && !r.retry && !r.racy {
		return r.cert, nil
	}
	r.stamp = now
	r.racy = r.racilyRead(now)
	cert, err := r.load(r.certFile, r.keyFile)
	var pathErr *fs.PathError
	r.retry = errors.As(err, &pathErr)
	switch {
	case err == nil && samePair(&cert, r.cert):
		// Read again in case it changed unseen: it did not.
	case err == nil:
		r.cert = &cert
		r.logger.Info("TLS certificate reloaded", "cert", r.certFile, "key", r.keyFile)
	case changed:
		r.logger.Warn("TLS certificate changed on disk but does not load: the previous one is still served",
			"cert", r.certFile, "key", r.keyFile, "err", err)
	}
	return r.cert, nil
}

// samePair reports whether a and b hold the same certificate chain and
// private key.
func samePair(a, b *tls.Certificate) bool {
	if len(a.Certificate) != len(b.Certificate) {
		return false
	}
	for i := range a.Certificate {
		if !bytes.Equal(a.Certificate[i], b.Certificate[i]) {
			return false
		}
	}
	key, ok := a.PrivateKey.(interface{ Equal(crypto.PrivateKey) bool })
	return ok && key.Equal(b.PrivateKey)
}

// resolvesToLoopback reports whether host (from a listen address) is a
// loopback address, or a name whose addresses are all loopback ones. ""
// (every interface) is not.
func resolvesToLoopback(ctx context.Context, host string) (bool, error) {
	if host == "" {
		return false, nil
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return ip.Unmap().IsLoopback(), nil
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return false, fmt.Errorf("resolving %s: %w", host, err)
	}
	for _, ip := range ips {
		if !ip.Unmap().IsLoopback() {
			return false, nil
		}
	}
	return len(ips) > 0, nil
}

// TCPHandler wraps the API handler h for TCP. Every request must name in
// its Host header "localhost", a loopback address or one of opts.Hosts
// (with any port), else it gets a 421 (a defence against DNS rebinding).
// Every request but GET /healthz must then carry "Authorization: Bearer
// <opts.Token>" (or the token of opts.TokenFile, as it is now), else it
// gets a 401 with "WWW-Authenticate: Bearer" (a GET /healthz without the
// token is answered, and its connection closed).
// Each refusal is one JSON error answer, which closes the connection, and
// one Warn record (remote address, path; never a token), at most 20 records
// every 10 s: the next record after a burst counts the refusals it left
// out (unlogged_refusals). Nothing adds CORS headers: browsers get no
// cross-origin access.
func TCPHandler(h http.Handler, opts TCPOptions) http.Handler {
	logger := loggerOrDiscard(opts.Logger)
	g := &tcpGuard{
		next:     h,
		token:    newTokenSource(opts.Token, opts.TokenFile, logger),
		hosts:    make(map[string]bool, len(opts.Hosts)),
		logger:   logger,
		refusals: refusalLimiter{now: time.Now},
	}
	for _, entry := range opts.Hosts {
		if name, err := hostEntry(entry); err == nil {
			g.hosts[name] = true
		}
	}
	return g
}

// tcpGuard is the handler TCPHandler returns.
type tcpGuard struct {
	next     http.Handler
	token    *tokenSource
	hosts    map[string]bool // extra Host names, as hostEntry returns them
	logger   *slog.Logger
	refusals refusalLimiter
}

// Refusal records: at most refusalLogBurst per refusalLogWindow, on TCP and
// on the socket (each server its own count). Anyone who can reach the port
// can be refused, thousands of times a second: one
// record each would drown superd's log (its queue drops records when full,
// and journald suppresses a program that logs too much, service exits
// included).
const (
	refusalLogBurst  = 20
	refusalLogWindow = 10 * time.Second
)

// bearerChallenge is the WWW-Authenticate header of every 401.
const bearerChallenge = `Bearer realm="superd"`

// refusalLimiter decides which refusals are logged, and counts the others.
type refusalLimiter struct {
	now        func() time.Time // time.Now, but for tests
	mu         sync.Mutex
	start      time.Time // of the current window
	logged     int       // records in the current window
	suppressed int       // refusals not logged since the last record
}

// allow reports whether a refusal is to be logged now and, if so, how many
// were not logged since the last one was.
func (l *refusalLimiter) allow() (ok bool, suppressed int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now := l.now(); now.Sub(l.start) >= refusalLogWindow || now.Before(l.start) {
		l.start, l.logged = now, 0
	}
	if l.logged >= refusalLogBurst {
		l.suppressed++
		return false, 0
	}
	l.logged++
	suppressed, l.suppressed = l.suppressed, 0
	return true, suppressed
}

// log logs one refusal to logger at Warn, unless too many were logged
// lately: the next record then says how many were not.
func (l *refusalLimiter) log(logger *slog.Logger, msg string, args ...any) {
	ok, suppressed := l.allow()
	if !ok {
		return
	}
	if suppressed > 0 {
		args = append(args, "unlogged_refusals", suppressed)
	}
	logger.Warn(msg, args...)
}

// logRefusal logs one refusal (see refusalLimiter.log).
func (g *tcpGuard) logRefusal(msg string, args ...any) {
	g.refusals.log(g.logger, msg, args...)
}

func (g *tcpGuard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !g.hostAllowed(r.Host) {
		g.logRefusal("control request refused: Host not allowed",
			"remote", r.RemoteAddr, "host", r.Host, "path", r.URL.Path)
		closeAfterAnswer(w) // a refused client keeps no connection
		writeError(w, http.StatusMisdirectedRequest, hostRefusal(r.Host))
		return
	}
	authorized, inForce := g.authorized(r)
	// Only a GET (or HEAD) of /healthz goes without the token: any other
	// method there is refused as anywhere else, not answered 405.
	health := r.URL.Path == healthPath && (r.Method == http.MethodGet || r.Method == http.MethodHead)
	if health && !authorized {
		// Answered, but the connection is not kept: otherwise anyone who
		// can reach the port could hold every one of the maxTCPConns
		// slots for good with a /healthz every IdleTimeout, and keep the
		// token's holders out.
		closeAfterAnswer(w)
	}
	if !health && !authorized {
		g.logRefusal("control request refused: missing or invalid bearer token",
			"remote", r.RemoteAddr, "method", r.Method, "path", r.URL.Path)
		w.Header().Set("WWW-Authenticate", bearerChallenge)
		// Without the token, no keep-alive: otherwise every client that
		// can reach the port could hold a connection (and a goroutine)
		// for IdleTimeout after each refusal.
		closeAfterAnswer(w)
		writeError(w, http.StatusUnauthorized, ErrUnauthorized.Error()+": missing or invalid bearer token")
		return
	}
	ctx := context.WithValue(r.Context(), remoteKey{}, true)
	if inForce != nil {
		// Ended once the token file gives another token: a follower of
		// the events or logs holding a leaked token does not keep
		// reading.
		var cancel context.CancelCauseFunc
		ctx, cancel = context.WithCancelCause(ctx)
		defer cancel(nil)
		stop := context.AfterFunc(inForce, func() { cancel(context.Cause(inForce)) })
		defer stop()
	}
	g.next.ServeHTTP(w, r.WithContext(ctx))
}

// remoteKey is the context key marking requests TCPHandler let through.
type remoteKey struct{}

// RemoteFromContext reports whether the request ctx belongs to (the
// handler passes the request's context to the [Backend]) came through
// [TCPHandler]: from a TCP client which, unless it asked for GET /healthz,
// presented the token.
func RemoteFromContext(ctx context.Context) bool {
	remote, _ := ctx.Value(remoteKey{}).(bool)
	return remote
}

// authorized reports whether r carries exactly one Authorization header
// with the right bearer token and, if so, the context that ends when the
// token file replaces that token (nil: it cannot be).
func (g *tcpGuard) authorized(r *http.Request) (bool, context.Context) {
	values := r.Header.Values("Authorization")
	if len(values) != 1 {
		return false, nil
	}
	scheme, token, ok := strings.Cut(values[0], " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false, nil
	}
	return g.token.authorize(strings.TrimSpace(token))
}

// hostAllowed reports whether hostport, a Host header, names localhost, a
// loopback address or one of g.hosts.
func (g *tcpGuard) hostAllowed(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	name := canonicalHost(host)
	switch {
	case name == "":
		return false
	case name == "localhost":
		return true
	}
	if ip, err := netip.ParseAddr(name); err == nil && ip.Zone() == "" && ip.Unmap().IsLoopback() {
		return true
	}
	return g.hosts[name]
}

// hostRefusal is the message of the 421 for the Host header hostport: it
// names the flag that allows it, with the name as that flag takes it
// (without the port).
func hostRefusal(hostport string) string {
	msg := fmt.Sprintf("host %q is not served here: use localhost or a loopback address", hostport)
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	if name, err := hostEntry(host); err == nil {
		return msg + ", or allow the name with superd's --http-host " + name + " (HTTPHosts=)"
	}
	return msg + ", or allow the name with superd's --http-host (HTTPHosts=)"
}

// canonicalHost lower-cases a host name and drops brackets and a trailing
// dot; an IP address is written in its canonical form.
func canonicalHost(host string) string {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if ip, err := netip.ParseAddr(host); err == nil {
		return ip.String()
	}
	return host
}

// hostEntry checks one entry of TCPOptions.Hosts and returns it as
// canonicalHost does.
func hostEntry(entry string) (string, error) {
	name := canonicalHost(strings.TrimSpace(entry))
	if _, err := netip.ParseAddr(name); err == nil {
		return name, nil
	}
	if name == "" {
		return "", errors.New("empty allowed host name")
	}
	for _, c := range name {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_') {
			return "", fmt.Errorf("allowed host %q: not a host name or IP address (no port, no scheme)", entry)
		}
	}
	return name, nil
}

// loggerOrDiscard returns l, or a logger discarding everything when l is
// nil.
func loggerOrDiscard(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}

// maxTCPConns bounds the connections the TCP API serves at once (each
// holds a file descriptor and a goroutine). Anyone who can reach the port
// can connect, token or not: without a bound, clients that open
// connections faster than the header timeout closes them could take
// every descriptor of the process, which could then neither start a
// service nor accept on its control socket. Connections beyond the bound
// wait in the kernel's listen backlog until one closes.
const maxTCPConns = 256

// limitListener is a net.Listener that accepts a connection only while
// fewer than cap(sem) of those it accepted are open.
type limitListener struct {
	net.Listener
	sem       chan struct{} // one token per open connection
	done      chan struct{} // closed by Close: Accept stops waiting
	closeOnce sync.Once
	// full, if not nil, is called when a connection comes while every
	// slot is taken: it waits, unanswered, and the log must say why.
	full func()
}

// newLimitListener returns ln accepting at most n connections at once;
// full is as limitListener's.
func newLimitListener(ln net.Listener, n int, full func()) *limitListener {
	return &limitListener{Listener: ln, sem: make(chan struct{}, n), done: make(chan struct{}), full: full}
}

// Accept waits for a free slot, then for a connection. With every slot
// taken, it takes the next connection that comes (one more than the bound
// at most), says that it waits (full), and hands it over once a slot is
// free.
func (l *limitListener) Accept() (net.Conn, error) {
	select {
	case l.sem <- struct{}{}:
		c, err := l.Listener.Accept()
		if err != nil {
			<-l.sem
			return nil, err
		}
		return l.limited(c), nil
	default:
	}
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	select {
	case l.sem <- struct{}{}: // one closed meanwhile
		return l.limited(c), nil
	default:
	}
	if l.full != nil {
		l.full()
	}
	select {
	case l.sem <- struct{}{}:
		return l.limited(c), nil
	case <-l.done:
		_ = c.Close()
		return nil, net.ErrClosed
	}
}

// limited returns c, which holds a slot: closing it frees the slot.
func (l *limitListener) limited(c net.Conn) net.Conn {
	return &limitConn{Conn: c, release: func() { <-l.sem }}
}

// fullLogger returns a limitListener's full function: a Warn record to
// logger (if not nil) that all limit connections of what are in use, at
// most refusalLogBurst every refusalLogWindow.
func fullLogger(logger *slog.Logger, what string, limit int) func() {
	if logger == nil {
		return nil
	}
	records := &refusalLimiter{now: time.Now}
	return func() {
		records.log(logger, what+": all its connections are in use; new ones wait until one closes (followers of logs and events hold one each)",
			"limit", limit)
	}
}

// Close closes the listener and ends an Accept waiting for a slot.
func (l *limitListener) Close() error {
	err := l.Listener.Close()
	l.closeOnce.Do(func() { close(l.done) })
	return err
}

// limitConn is a connection of a limitListener: closing it frees its slot.
type limitConn struct {
	net.Conn
	releaseOnce sync.Once
	release     func()
}

// SyscallConn gives the connection's descriptor, as *net.UnixConn does:
// the control socket reads its peer's credentials from it.
func (c *limitConn) SyscallConn() (syscall.RawConn, error) {
	sc, ok := c.Conn.(syscall.Conn)
	if !ok {
		return nil, fmt.Errorf("%T has no file descriptor", c.Conn)
	}
	return sc.SyscallConn()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.releaseOnce.Do(c.release)
	return err
}

// CloseWrite half-closes the connection as *net.TCPConn does: net/http
// uses it to let the client read an error answer before the connection
// closes.
func (c *limitConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
