package actors

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/supers-dev/supers/actors/runstate"
	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/transport"
)

// DefaultTokenFile is the name of the file, in ConfigDir, that holds the
// HTTP API's bearer token when HTTPConfig.TokenFile is empty.
const DefaultTokenFile = "http.token"

// HTTPConfig configures the control API on TCP. It is served only when Addr
// is set; every request but GET /healthz then needs the bearer token. New
// refuses the other fields without Addr, which they would not apply to.
type HTTPConfig struct {
	// Addr is the host:port to listen on. Loopback addresses are always
	// allowed; any other only with TLS or Insecure.
	Addr string
	// TokenFile holds the bearer token. When it does not exist a random
	// token is written to it (mode 0600); its directory must exist, it
	// is not created. Default: <ConfigDir>/http.token.
	// It is read again when it changes on disk, so that the token can be
	// rotated without a restart (see transport.TCPOptions.TokenFile): the
	// requests still open with the token it replaced (a follower of the
	// events or logs) end; a changed file that cannot be used leaves the
	// token in force, with a warning.
	TokenFile string
	// Hosts are the names accepted in the Host header besides localhost and
	// loopback addresses (a guard against DNS rebinding).
	Hosts []string
	// TLSCertFile and TLSKeyFile, both or neither, make the API HTTPS.
	TLSCertFile, TLSKeyFile string
	// Insecure allows a non-loopback Addr without TLS.
	Insecure bool
}

// apiServers are the control API's listeners and their servers.
type apiServers struct {
	log  *slog.Logger
	gid  int // the control group of the socket, -1 for none
	unix *transport.UnixListener
	tcp  net.Listener
	srvs []*http.Server
	wg   sync.WaitGroup // the servers' Serve
	// serving is set by serve's first call (Run's goroutine only).
	serving bool
	// newToken is the token file this start created, "" if none: a start
	// refused after the listen removes it (see removeNewToken).
	newToken string

	// requests is the context of every request; shutdown cancels it, with
	// errShutdown, for the requests still in flight after a grace.
	requests     context.Context
	stopRequests context.CancelCauseFunc

	// draining are the servers' Shutdown calls that stopAccepting makes;
	// stopDraining makes them return.
	draining     sync.WaitGroup
	drain        context.Context
	stopDraining context.CancelFunc
}

// listen opens the control socket (taking its lock) and the TCP listener,
// before anything else is started, so that a second superd or a port in use
// fails at once.
func (s *Supervisor) listen(ctx context.Context) (*apiServers, error) {
	a := &apiServers{log: s.log, gid: -1}
	a.requests, a.stopRequests = context.WithCancelCause(context.Background())
	a.drain, a.stopDraining = context.WithCancel(context.Background())
	if s.cfg.Socket != "" {
		var err error
		if a.gid, err = config.GroupID(s.cfg.SocketGroup); err != nil {
			return nil, fmt.Errorf("socket group: %w", err)
		}
		s.socketGID = a.gid
		if s.cfg.StateFile != "" {
			// What runstate.Open would refuse, refused before the
			// socket's directory, lock and socket are made: a state
			// dir to be made under a directory another group may write
			// would be made, then refused, and left behind.
			if err := runstate.Check(s.cfg.StateFile); err != nil {
				return nil, fmt.Errorf("state file: %w", err)
			}
		}
		if a.unix, err = transport.ListenUnixGroup(s.cfg.Socket, a.gid); err != nil {
			return nil, err
		}
	}
	if s.cfg.HTTP.Addr != "" {
		opts, created, err := s.tcpOptions(ctx)
		if err != nil {
			a.close()
			return nil, err
		}
		if created {
			a.newToken = opts.TokenFile
		}
		if a.tcp, err = transport.ListenTCP(ctx, opts); err != nil {
			a.close()
			// A port in use, which CheckTCPOptions cannot see, is found
			// only now, after the token.
			a.removeNewToken()
			return nil, fmt.Errorf("HTTP API: %w", err)
		}
		s.tcp = opts
	}
	return a, nil
}

// removeNewToken removes the token file this start created, if any: a
// start refused after it leaves none behind, as one refused before it
// makes none.
func (a *apiServers) removeNewToken() {
	if a.newToken == "" {
		return
	}
	if err := os.Remove(a.newToken); err != nil && !errors.Is(err, fs.ErrNotExist) {
		a.log.Warn("HTTP API token created by this start not removed", "file", a.newToken, "err", err)
	}
	a.newToken = ""
}

// tcpOptions checks the TCP options, then reads (or creates) the token;
// created says it created the token file. A start refused for its address
// or certificate leaves no token behind: refused here, before the token,
// or later (a port in use, the config dir's lock, ...), when Run removes
// a token created (see apiServers.removeNewToken).
func (s *Supervisor) tcpOptions(ctx context.Context) (opts transport.TCPOptions, created bool, err error) {
	h := s.cfg.HTTP
	opts = transport.TCPOptions{
		Addr: h.Addr, Hosts: h.Hosts,
		TLSCertFile: h.TLSCertFile, TLSKeyFile: h.TLSKeyFile, Insecure: h.Insecure,
		Logger: s.log,
	}
	if err := transport.CheckTCPOptions(ctx, opts); err != nil {
		return transport.TCPOptions{}, false, fmt.Errorf("HTTP API: %w", err)
	}
	file := h.TokenFile
	if file == "" {
		if s.cfg.ConfigDir == "" {
			return transport.TCPOptions{}, false, errors.New("HTTP API: a token file is needed (no config dir to create one in)")
		}
		// A config dir that cannot be read (a typo in --config-dir), or
		// that is not a directory, is said as Run says it without the
		// HTTP API, not as a token file to create in it: creating that
		// dir would give a supervisor of nothing.
		fi, err := os.Stat(s.cfg.ConfigDir)
		if err == nil && !fi.IsDir() {
			err = fmt.Errorf("%s: not a directory", s.cfg.ConfigDir)
		}
		if err != nil {
			return transport.TCPOptions{}, false, fmt.Errorf("config dir: %w: %w", config.ErrServiceDir, err)
		}
		file = filepath.Join(s.cfg.ConfigDir, DefaultTokenFile)
	}
	token, created, err := transport.LoadOrCreateToken(file)
	if err != nil {
		return transport.TCPOptions{}, false, tokenError(file, err)
	}
	if created {
		s.log.Info("HTTP API token created", "file", file)
	}
	// The handler reads the file again when it changes: a rotated token
	// is in force without a restart.
	opts.Token, opts.TokenFile = token, file
	return opts, created, nil
}

// tokenError is Run's error for err, the failure of LoadOrCreateToken to
// read or create the token file.
func tokenError(file string, err error) error {
	// Its directory is not made for it (see HTTPConfig.TokenFile).
	return transport.TokenFileError("HTTP API token", file, err,
		"name another token file: Config.HTTP.TokenFile; superd's --http-token-file or HTTPTokenFile= in superd.conf")
}

// serve serves h on every listener (the socket to root, our user and the
// control group). Only its first call does anything.
func (a *apiServers) serve(h http.Handler, tcp transport.TCPOptions) {
	if a.serving {
		return
	}
	a.serving = true
	start := func(srv *http.Server, ln net.Listener, what string) {
		srv.ErrorLog = log.New(serverErrors{a.log}, "", 0)
		srv.BaseContext = func(net.Listener) context.Context { return a.requests }
		a.srvs = append(a.srvs, srv)
		a.wg.Go(func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				a.log.Error(what+" server failed", "err", err)
			}
		})
	}
	if a.unix != nil {
		// The server's shutdown removes the socket but keeps its lock, which
		// close releases once every service has stopped: a second superd
		// must not start on the socket while this one is still stopping
		// its services.
		start(transport.NewUnixServer(h, transport.DefaultSocketAccess(a.gid), a.log), a.unix.Acceptor(a.log), "control socket")
	}
	if a.tcp != nil {
		start(transport.NewServer(transport.TCPHandler(h, tcp)), a.tcp, "HTTP API") // ListenTCP logged where
	}
}

// serverErrors is the servers' ErrorLog: net/http writes there, one line
// each, what goes wrong with a connection before a handler runs. A failed
// TLS handshake (a port scan, plain HTTP sent to the TLS port, a client
// that does not trust the certificate) is anyone's to cause, thousands of
// times a second, so it is logged at Debug; the rest at Warn.
type serverErrors struct{ log *slog.Logger }

func (e serverErrors) Write(p []byte) (int, error) {
	msg := strings.TrimSuffix(string(p), "\n")
	level := slog.LevelWarn
	if strings.HasPrefix(msg, "http: TLS handshake error") {
		level = slog.LevelDebug
	}
	e.log.Log(context.Background(), level, msg)
	return len(p), nil
}

// stopAccepting begins the servers' shutdown: once it returns, their
// listeners are closed (the socket file removed) and so are their idle
// connections. The requests in flight go on (the streams until the
// supervisor ends them); shutdown ends them.
func (a *apiServers) stopAccepting() {
	for _, srv := range a.srvs {
		a.draining.Go(func() { _ = srv.Shutdown(a.drain) })
	}
	a.wg.Wait() // Serve returns once its listener is closed
}

// shutdown gives the requests still in flight (the streams writing their
// end) a moment; then it cancels those still waiting, which answer 503
// "superd is shutting down", gives them a moment to say so, and cuts what
// is left (a client that stopped reading).
func (a *apiServers) shutdown() {
	grace := time.AfterFunc(time.Second, a.stopDraining)
	a.draining.Wait()
	grace.Stop()
	a.stopRequests(errShutdown)
	a.shutdownWithin(time.Second)
	for _, srv := range a.srvs {
		_ = srv.Close()
	}
}

// shutdownWithin shuts the servers down, waiting at most d for their
// connections to go idle.
func (a *apiServers) shutdownWithin(d time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for _, srv := range a.srvs {
		_ = srv.Shutdown(ctx)
	}
}

// close closes the listeners (removing the socket and releasing its lock).
// Servers that a shutdown did not stop (Run failed once they served) are
// closed first, and their goroutines waited for.
func (a *apiServers) close() {
	a.stopRequests(errShutdown)
	a.stopDraining()
	for _, srv := range a.srvs {
		_ = srv.Close()
	}
	a.wg.Wait()
	if a.tcp != nil {
		_ = a.tcp.Close()
	}
	if a.unix != nil {
		_ = a.unix.Close()
	}
}
