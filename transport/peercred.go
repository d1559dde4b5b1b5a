package transport

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"sync"
	"time"
)

// errPeerCredUnsupported is returned where the system cannot tell who is
// at the other end of a Unix socket.
var errPeerCredUnsupported = errors.New("peer credentials are not available on this system")

// PeerCred is who is at the other end of a Unix socket connection, as the
// kernel reported it when the connection was made.
type PeerCred struct {
	// PID is the peer's process id; 0 when the system does not say (or
	// the process is in another PID namespace).
	PID int
	// UID is the peer's effective user id.
	UID int
	// GID is the peer's effective group id.
	GID int
	// Groups are the peer's supplementary groups, as far as known: as
	// they were at connect (on Linux from SO_PEERGROUPS, or, on kernels
	// before 4.13, from /proc/PID/status when it is read; at most 15 on
	// BSDs and macOS).
	Groups []int
}

// SocketAccess says which local users may use the control socket, on top
// of the socket file's permissions. A peer is allowed when its user is in
// UIDs, or its group or one of its supplementary groups is in GIDs. The
// zero SocketAccess allows nobody.
type SocketAccess struct {
	// UIDs are the users allowed whatever their groups.
	UIDs []int
	// GIDs are the groups whose members are allowed: the control group.
	GIDs []int
}

// DefaultSocketAccess is superd's policy: root, superd's own effective
// user and, when gid >= 0, the members of the control group gid.
func DefaultSocketAccess(gid int) SocketAccess {
	a := SocketAccess{UIDs: []int{0}}
	if euid := os.Geteuid(); euid > 0 { // -1 on Windows
		a.UIDs = append(a.UIDs, euid)
	}
	if gid >= 0 {
		a.GIDs = []int{gid}
	}
	return a
}

// Allows reports whether a peer with credentials c may use the socket.
func (a SocketAccess) Allows(c PeerCred) bool {
	if slices.Contains(a.UIDs, c.UID) || slices.Contains(a.GIDs, c.GID) {
		return true
	}
	for _, g := range c.Groups {
		if slices.Contains(a.GIDs, g) {
			return true
		}
	}
	return false
}

// NewUnixServer is [NewServer] for the control socket: every request is
// served by h only if the peer of its connection is one access allows.
// Others get a 403 JSON error (matching [ErrForbidden] on the client side),
// their connection closed after it, and leave a Warn record naming their
// uid and pid in logger (nil discards).
//
// The server's ConnContext records each connection, and its handler reads
// the peer's credentials from it once per connection (SO_PEERCRED on
// Linux, LOCAL_PEERCRED on macOS and FreeBSD). A request whose connection
// is unknown (ConnContext replaced) or is not a Unix socket is refused:
// the check fails closed. On other systems, which cannot tell, every peer
// is allowed and only the socket file's permissions protect it; the server
// says so once at Warn when created.
func NewUnixServer(h http.Handler, access SocketAccess, logger *slog.Logger) *http.Server {
	logger = loggerOrDiscard(logger)
	if !peerCredSupported {
		logger.Warn("peer credentials cannot be checked on this system: only the control socket's file permissions protect it")
	}
	srv := NewServer(&peerGuard{next: h, access: access, logger: logger, refusals: refusalLimiter{now: time.Now}})
	srv.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		return context.WithValue(ctx, peerKey{}, &peerConn{conn: c})
	}
	return srv
}

// PeerCredentialsSupported reports whether a server made by NewUnixServer
// can tell who its peers are on this system (see NewUnixServer): where it
// cannot, every peer the socket file's permissions let in is served, and
// the requests carry no peer credentials (PeerFromContext finds none).
func PeerCredentialsSupported() bool { return peerCredSupported }

// peerKey is the context key of a connection's *peerConn.
type peerKey struct{}

// peerConn is one connection of the control socket and, once asked, its
// peer's credentials.
type peerConn struct {
	conn net.Conn
	once sync.Once
	cred PeerCred // without the supplementary groups on Linux
	err  error

	groupsOnce sync.Once
	groups     []int
}

// credentials returns the peer's credentials, reading them on first use.
func (p *peerConn) credentials() (PeerCred, error) {
	p.once.Do(func() {
		if p.conn.LocalAddr().Network() != "unix" {
			p.err = fmt.Errorf("connection on %s is not a Unix socket", p.conn.LocalAddr())
			return
		}
		p.cred, p.err = peerCredentials(p.conn)
	})
	return p.cred, p.err
}

// withGroups returns c, the peer's credentials, with its supplementary
// groups, reading them on first use (peerGroups).
func (p *peerConn) withGroups(c PeerCred) PeerCred {
	p.groupsOnce.Do(func() { p.groups = peerGroups(p.conn, c) })
	c.Groups = p.groups
	return c
}

// peerGuard is the handler of a NewUnixServer server.
type peerGuard struct {
	next     http.Handler
	access   SocketAccess
	logger   *slog.Logger
	refusals refusalLimiter // bounds the refusal records, as on TCP
}

func (g *peerGuard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	pc, _ := r.Context().Value(peerKey{}).(*peerConn)
	if pc == nil {
		g.refusals.log(g.logger, "control request refused: connection unknown (ConnContext not set by NewUnixServer)", "path", r.URL.Path)
		closeAfterAnswer(w)
		writeError(w, http.StatusForbidden, ErrForbidden.Error()+": peer credentials unavailable")
		return
	}
	cred, err := pc.credentials()
	switch {
	case errors.Is(err, errPeerCredUnsupported):
		// Documented: the file permissions are the only guard here.
		g.next.ServeHTTP(w, r)
		return
	case err != nil:
		g.refusals.log(g.logger, "control request refused: cannot read peer credentials", "path", r.URL.Path, "err", err)
		closeAfterAnswer(w)
		writeError(w, http.StatusForbidden, ErrForbidden.Error()+": peer credentials unavailable")
		return
	case !g.access.Allows(cred) && !g.access.Allows(pc.withGroups(cred)):
		// The supplementary groups are read only if the ids do not allow
		// the peer already.
		g.refusals.log(g.logger, "control request refused: peer not allowed on the control socket",
			"uid", cred.UID, "gid", cred.GID, "pid", cred.PID, "method", r.Method, "path", r.URL.Path)
		// A refused peer keeps no connection, as a TCP client without
		// the token: it could otherwise hold any number of them (and
		// superd's descriptors) with a request every IdleTimeout.
		closeAfterAnswer(w)
		writeError(w, http.StatusForbidden,
			fmt.Sprintf("%s: uid %d may not use superd's control socket (root, superd's user and the control group may)", ErrForbidden, cred.UID))
		return
	}
	g.next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), peerCredKey{}, allowedPeer{pc, cred})))
}

// peerCredKey is the context key of the allowedPeer of an allowed request.
type peerCredKey struct{}

// allowedPeer is the connection of an allowed request and its peer's
// credentials, as far as read.
type allowedPeer struct {
	pc   *peerConn
	cred PeerCred
}

// PeerFromContext returns the credentials of the Unix socket peer that
// sent the request ctx belongs to (the handler passes the request's
// context to the [Backend]). ok is false unless the request came through
// a [NewUnixServer] server on a system that can tell.
func PeerFromContext(ctx context.Context) (cred PeerCred, ok bool) {
	p, ok := ctx.Value(peerCredKey{}).(allowedPeer)
	if !ok {
		return PeerCred{}, false
	}
	return p.pc.withGroups(p.cred), true
}
