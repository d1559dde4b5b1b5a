package transport

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// peerCredSupported: SO_PEERCRED tells.
const peerCredSupported = true

// peerCredentials returns the credentials of conn's peer from SO_PEERCRED
// (as of connect): its pid, uid and gid. Its supplementary groups are not
// in it: peerGroups reads them, when needed.
func peerCredentials(conn net.Conn) (PeerCred, error) {
	ucred, err := getUcred(conn)
	if err != nil {
		return PeerCred{}, err
	}
	return PeerCred{PID: int(ucred.Pid), UID: int(ucred.Uid), GID: int(ucred.Gid)}, nil
}

// peerGroups returns the supplementary groups of the peer c describes, the
// one at the other end of conn: from SO_PEERGROUPS, which gives them as
// they were at connect, as SO_PEERCRED gives the ids. Only on a kernel
// without it (before 4.13) are they read from /proc/PID/status, when
// that still describes the same user: a pid is no proof of who
// connected (the process may be gone, its connection handed to another;
// its /proc hidden from superd by hidepid=; in another PID namespace,
// pid 0), and reading it was a fifth of what a status request cost
// superd. Either is done only when the access decision or PeerFromContext
// needs the groups.
func peerGroups(conn net.Conn, c PeerCred) []int {
	if groups, err := getPeerGroups(conn); err == nil {
		return groups
	}
	if c.PID <= 0 {
		return nil
	}
	status, err := os.ReadFile("/proc/" + strconv.Itoa(c.PID) + "/status")
	if err != nil {
		// The process is gone (or /proc is not mounted): its groups are
		// unknown, which only ever denies.
		return nil
	}
	return procGroups(status, c.UID)
}

// getPeerGroups reads SO_PEERGROUPS from conn: the peer's supplementary
// groups as of connect (Linux 4.13 and later).
func getPeerGroups(conn net.Conn) ([]int, error) {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return nil, fmt.Errorf("peer groups: %T has no file descriptor", conn)
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("peer groups: %w", err)
	}
	var (
		groups []int
		optErr error
	)
	if err := raw.Control(func(fd uintptr) { groups, optErr = soPeerGroups(int(fd)) }); err != nil {
		return nil, fmt.Errorf("peer groups: %w", err)
	}
	if optErr != nil {
		return nil, fmt.Errorf("peer groups: SO_PEERGROUPS: %w", optErr)
	}
	return groups, nil
}

// soPeerGroups reads SO_PEERGROUPS from fd. x/sys/unix has no getsockopt
// for a list of ids (GetsockoptString stops at the first zero byte).
func soPeerGroups(fd int) ([]int, error) {
	gids := make([]uint32, 32)
	for {
		size := uint32(len(gids) * 4)
		_, _, errno := unix.Syscall6(unix.SYS_GETSOCKOPT, uintptr(fd), unix.SOL_SOCKET, unix.SO_PEERGROUPS,
			uintptr(unsafe.Pointer(&gids[0])), uintptr(unsafe.Pointer(&size)), 0)
		switch {
		case errno == unix.ERANGE && int(size/4) > len(gids):
			gids = make([]uint32, size/4) // the kernel said how many there are
			continue
		case errno != 0:
			return nil, errno
		}
		groups := make([]int, 0, size/4)
		for _, g := range gids[:min(int(size/4), len(gids))] {
			groups = append(groups, int(g))
		}
		return groups, nil
	}
}

// getUcred reads SO_PEERCRED from conn.
func getUcred(conn net.Conn) (*unix.Ucred, error) {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return nil, fmt.Errorf("peer credentials: %T has no file descriptor", conn)
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("peer credentials: %w", err)
	}
	var ucred *unix.Ucred
	var credErr error
	if err := raw.Control(func(fd uintptr) {
		ucred, credErr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return nil, fmt.Errorf("peer credentials: %w", err)
	}
	if credErr != nil {
		return nil, fmt.Errorf("peer credentials: SO_PEERCRED: %w", credErr)
	}
	return ucred, nil
}

// procGroups returns the supplementary groups listed in status, the
// content of /proc/PID/status, provided that its effective uid is uid: a
// pid reused by another user's process since the connection was made
// tells nothing about the peer. It returns nil when status says nothing
// usable.
func procGroups(status []byte, uid int) []int {
	var groups []int
	uidOK := false
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		fields := strings.Fields(value)
		switch key {
		case "Uid": // real, effective, saved, filesystem
			uidOK = len(fields) > 1 && fields[1] == strconv.Itoa(uid)
		case "Groups":
			for _, f := range fields {
				if g, err := strconv.Atoi(f); err == nil && g >= 0 {
					groups = append(groups, g)
				}
			}
		}
	}
	if !uidOK || errors.Is(sc.Err(), bufio.ErrTooLong) {
		return nil
	}
	return groups
}
