//go:build darwin || freebsd

package transport

import (
	"fmt"
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

// peerCredSupported: LOCAL_PEERCRED tells.
const peerCredSupported = true

// xucredVersion is XUCRED_VERSION of <sys/ucred.h>, which x/sys/unix does
// not define.
const xucredVersion = 0

// peerCredentials returns the credentials of conn's peer from
// LOCAL_PEERCRED (as of connect): its uid, its groups (the first being the
// effective group) and, on macOS, its pid from LOCAL_PEERPID.
func peerCredentials(conn net.Conn) (PeerCred, error) {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return PeerCred{}, fmt.Errorf("peer credentials: %T has no file descriptor", conn)
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return PeerCred{}, fmt.Errorf("peer credentials: %w", err)
	}
	var (
		xucred  *unix.Xucred
		credErr error
		pid     int
	)
	if err := raw.Control(func(fd uintptr) {
		xucred, credErr = unix.GetsockoptXucred(int(fd), unix.SOL_LOCAL, unix.LOCAL_PEERCRED)
		pid = peerPID(int(fd))
	}); err != nil {
		return PeerCred{}, fmt.Errorf("peer credentials: %w", err)
	}
	if credErr != nil {
		return PeerCred{}, fmt.Errorf("peer credentials: LOCAL_PEERCRED: %w", credErr)
	}
	if xucred.Version != xucredVersion || xucred.Ngroups < 1 {
		return PeerCred{}, fmt.Errorf("peer credentials: unexpected xucred (version %d, %d groups)", xucred.Version, xucred.Ngroups)
	}
	n := min(int(xucred.Ngroups), len(xucred.Groups))
	c := PeerCred{PID: pid, UID: int(xucred.Uid), GID: int(xucred.Groups[0])}
	for _, g := range xucred.Groups[1:n] {
		c.Groups = append(c.Groups, int(g))
	}
	return c, nil
}

// peerGroups returns the groups peerCredentials gave: LOCAL_PEERCRED
// carries them.
func peerGroups(_ net.Conn, c PeerCred) []int { return c.Groups }
