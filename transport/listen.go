package transport

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/supers-dev/supers/config/flock"
)

var _ net.Listener = (*UnixListener)(nil)

var (
	// errUnsupported is returned where Unix sockets and flock are missing.
	errUnsupported = errors.New("the superd control socket is only supported on Unix systems")
	// errPathTooLong is wrapped by checkSocketPath's errors.
	errPathTooLong = errors.New("socket path too long")
	// errNotSocket is wrapped by notSocketError's errors.
	errNotSocket = errors.New("not a socket")
)

// notSocketError says what the file of mode m is instead of a socket.
func notSocketError(m fs.FileMode) error {
	return fmt.Errorf("it is a %s, %w", fileKind(m), errNotSocket)
}

// fileKind names the type of a file of mode m.
func fileKind(m fs.FileMode) string {
	switch m.Type() {
	case 0:
		return "regular file"
	case fs.ModeDir:
		return "directory"
	case fs.ModeSymlink:
		return "symbolic link"
	case fs.ModeNamedPipe:
		return "named pipe"
	case fs.ModeSocket:
		return "socket"
	case fs.ModeDevice, fs.ModeDevice | fs.ModeCharDevice:
		return "device"
	default:
		return "file of type " + m.Type().String()
	}
}

// checkSocketPath reports a path too long for a Unix socket, which the
// kernel would only refuse with EINVAL ("invalid argument").
func checkSocketPath(path string) error {
	if len(path) > maxSocketPathLen {
		return fmt.Errorf("%w: %d bytes, longer than the %d-byte limit of Unix sockets; choose a shorter path", errPathTooLong, len(path), maxSocketPathLen)
	}
	return nil
}

// CheckSocketPath reports, without creating or changing anything, what
// would make [ListenUnix] refuse path before it listens: a path longer than
// a Unix socket's, or a directory that another user could change (the
// socket's, or the nearest existing one above it, which ListenUnix would
// create the rest under, and their ancestors). superd --check runs it. A
// lock another superd holds is not checked: that depends on the moment;
// another program listening on the socket is [CheckSocketInUse]'s.
func CheckSocketPath(path string) error {
	return CheckSocketPathGroup(path, -1)
}

// CheckSocketInUse reports a program other than a superd listening on the
// socket at path, which [ListenUnix] would refuse to replace: a socket that
// accepts a connection while no process holds its lock (path+".lock"). A
// superd's socket (its lock held), a stale socket, or none, is no problem.
// Only where [flock.Holder] can tell who holds a lock without taking it
// (Linux) is there anything to report; elsewhere it returns nil.
func CheckSocketInUse(path string) error {
	if !flock.HolderKnown {
		return nil
	}
	if fi, err := os.Lstat(path); err != nil || fi.Mode().Type() != fs.ModeSocket {
		return nil // CheckSocketPath reports what is not a socket
	}
	if flock.Holder(path+".lock") != 0 {
		return nil
	}
	return checkStaleSocket(path)
}

// CheckSocketPathGroup is [CheckSocketPath] for [ListenUnixGroup] with
// group gid (none if gid < 0). It also reports what those would refuse
// whatever the moment: something other than a socket at path, a file
// where a directory must be, and, with a group, a directory its members
// could not search (one ListenUnixGroup would not give them) or a group
// this process may not give its files to (it is neither root nor a
// member).
func CheckSocketPathGroup(path string, gid int) error {
	if path == "" {
		return errors.New("empty socket path")
	}
	if err := checkSocketPath(path); err != nil {
		return err
	}
	sockDir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return err
	}
	dir := sockDir
	var fi fs.FileInfo
	for {
		fi, err = os.Stat(dir)
		if parent := filepath.Dir(dir); errors.Is(err, fs.ErrNotExist) && parent != dir {
			dir = parent
			continue
		}
		break
	}
	if err == nil && !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	if err := checkSocketDir(dir); err != nil {
		return err
	}
	if dir == sockDir {
		if fi, err := os.Lstat(path); err == nil && fi.Mode().Type() != fs.ModeSocket {
			return fmt.Errorf("path exists and is a %s, not a socket; superd would refuse to replace it", fileKind(fi.Mode()))
		}
	}
	if gid < 0 {
		return nil
	}
	if err := mayGiveToGroup(gid); err != nil {
		return err
	}
	if dir != sockDir {
		// The directories ListenUnixGroup would create get the group;
		// those above must let it through.
		return groupMaySearchPath(dir, gid)
	}
	// The socket's own directory it may give to the group.
	return groupSocketDir(dir, filepath.Base(path), gid, false)
}

// UnixListener is the control socket's listener. It holds an exclusive lock
// on "<socket>.lock" for its whole life so that two daemons never serve the
// same path. Close stops listening, removes the socket file and releases the
// lock (the lock file itself stays: removing it would let two processes lock
// two different files of the same name).
type UnixListener struct {
	path string
	gid  int // the socket's group, -1 for none

	mu   sync.Mutex        // guards what follows
	ln   *net.UnixListener // the socket at path; Restore replaces it
	lock *os.File          // the lock on path+".lock"; Restore may take it again
	id   os.FileInfo       // the socket file ln made; nil if it could not be stat'ed
	shut bool              // closeSocket was called: Restore makes nothing
	// pending holds the connections Restore took from the backlog of
	// the socket it replaced: Accept returns them first.
	pending []net.Conn

	socketOnce sync.Once // closes ln and removes the socket file
	socketErr  error
	closeOnce  sync.Once
	closeErr   error
}

// ListenUnix creates the control socket at path:
//
//   - missing parent directories are created with mode 0750 (existing ones
//     are left as they are);
//   - the socket's directory and its ancestors (for a directory reached
//     through symlinks, the directories holding each link and every
//     target's ancestors too) must belong to root
//     or to this process's effective user, and must not be writable by
//     every user unless sticky (like /tmp): whoever else controls them
//     could put their own socket, lock or state file there;
//   - an exclusive lock on path+".lock" is taken without waiting, before the
//     socket path is touched; if another process holds it the error wraps
//     [ErrDaemonRunning];
//   - a socket file left at path by a dead daemon is removed; a socket that
//     another program listens on (a connection to it succeeds) and anything
//     else at path (regular file, directory, symlink) is an error and stays;
//   - the socket is made mode 0660 before ListenUnix returns, so nothing is
//     accepted before its permissions are final.
//
// Unix sockets are not supported on Windows; ListenUnix fails there.
func ListenUnix(path string) (*UnixListener, error) {
	return ListenUnixGroup(path, -1)
}

// ListenUnixGroup is [ListenUnix] for a control group: when gid >= 0, the
// socket and the parent directories it creates belong to group gid (their
// modes stay 0660 and 0750), so that the group's members can reach and
// use the socket. Changing the group needs root, or membership of gid;
// failing to is an error.
//
// Directories that already exist must let the group through (search
// permission). The socket's own directory, if the group may not search
// it, is given to gid with mode 0750, as if ListenUnixGroup had created
// it, provided it is superd's: it belongs to this process's effective
// user, is not sticky and holds nothing but the socket's files (path,
// path+".lock", path+".state"...), as a directory left by a run without
// a group (or with another one) does. Any other directory (a shared one
// like /run or /tmp, a home directory) is never changed: if the group
// cannot search it, or one of its ancestors, ListenUnixGroup fails,
// naming the directory, its mode and group.
func ListenUnixGroup(path string, gid int) (*UnixListener, error) {
	if !unixSocketsSupported {
		return nil, fmt.Errorf("listen on %s: %w", path, errUnsupported)
	}
	if path == "" {
		return nil, errors.New("listen: empty socket path")
	}
	if err := checkSocketPath(path); err != nil {
		return nil, fmt.Errorf("listen on %s: %w", path, err)
	}
	if err := mkdirParents(filepath.Dir(path), 0o750, gid); err != nil {
		return nil, fmt.Errorf("listen on %s: %w", path, err)
	}
	if err := checkSocketDir(filepath.Dir(path)); err != nil {
		return nil, fmt.Errorf("listen on %s: %w", path, err)
	}
	if gid >= 0 {
		// Refuse before creating the lock file in a directory that is
		// not superd's; its own is given to the group under the lock.
		if err := groupSocketDir(filepath.Dir(path), filepath.Base(path), gid, false); err != nil {
			return nil, fmt.Errorf("listen on %s: %w", path, err)
		}
	}
	lock, err := lockFile(path + ".lock")
	if err != nil {
		if errors.Is(err, flock.ErrLocked) {
			if pid := flock.Holder(path + ".lock"); pid > 0 {
				return nil, fmt.Errorf("%w on %s (pid %d holds %s.lock)", ErrDaemonRunning, path, pid, path)
			}
			return nil, fmt.Errorf("%w on %s (lock %s.lock held)", ErrDaemonRunning, path, path)
		}
		return nil, fmt.Errorf("listen on %s: %w", path, err)
	}
	if gid >= 0 {
		// Under the lock: a second daemon must not touch the directory
		// of the one running.
		if err := groupSocketDir(filepath.Dir(path), filepath.Base(path), gid, true); err != nil {
			_ = lock.Close()
			return nil, fmt.Errorf("listen on %s: %w", path, err)
		}
	}
	ln, err := listenLocked(path, gid)
	if err != nil {
		_ = lock.Close()
		return nil, err
	}
	return &UnixListener{ln: ln, path: path, gid: gid, lock: lock, id: socketID(path)}, nil
}

// Restore creates the socket file again if it is gone (removed by hand,
// or by a cleaner of old files in /tmp), as the first listen did (its
// directory, mode and group), and reports whether it did: Accept serves
// the new socket from then on; connections already accepted go on, and
// those that reached the old socket before its file went, not yet
// accepted, are the next ones Accept returns. The
// lock is taken again first if its file went too (the directory was
// removed): another process may have locked a new file of that name, and
// then the path is its own (the error wraps [ErrDaemonRunning]). Anything
// else now at path (another program's socket, a file) is an error and
// stays. With a group, a directory made again by someone else is given to
// it as [ListenUnixGroup] would; if the group still cannot reach the
// socket, Restore makes it all the same and reports true with that error.
// Nothing is done once the listener is closed.
func (l *UnixListener) Restore() (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.shut {
		return false, nil
	}
	if fi, err := os.Lstat(l.path); err == nil {
		if l.id == nil || os.SameFile(fi, l.id) {
			return false, nil
		}
		return false, fmt.Errorf("control socket %s: replaced by another %s: not created again", l.path, fileKind(fi.Mode()))
	} else if !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("control socket %s: %w", l.path, err)
	}
	dir := filepath.Dir(l.path)
	if err := mkdirParents(dir, 0o750, l.gid); err != nil {
		return false, fmt.Errorf("control socket %s: %w", l.path, err)
	}
	if err := checkSocketDir(dir); err != nil {
		return false, fmt.Errorf("control socket %s: %w", l.path, err)
	}
	if !flock.StillAt(l.lock, l.path+".lock") {
		lock, err := lockFile(l.path + ".lock")
		if errors.Is(err, flock.ErrLocked) {
			return false, fmt.Errorf("%w on %s: its lock file was removed and another process holds the new one", ErrDaemonRunning, l.path)
		}
		if err != nil {
			return false, fmt.Errorf("control socket %s: %w", l.path, err)
		}
		_ = l.lock.Close()
		l.lock = lock
	}
	var groupErr error
	if l.gid >= 0 {
		// A directory made again by someone else (0700, say) is given
		// to the group, as ListenUnixGroup gives it one of superd's.
		// If it cannot be, the socket is made all the same: root and
		// superd's user can use it.
		if err := groupSocketDir(dir, filepath.Base(l.path), l.gid, true); err != nil {
			groupErr = fmt.Errorf("control socket %s made again, but the control group cannot reach it: %w", l.path, err)
		}
	}
	ln, err := listenLocked(l.path, l.gid)
	if err != nil {
		return false, err
	}
	old := l.ln
	l.ln, l.id = ln, socketID(l.path)
	// The old socket's file is gone, or now the new one's: it must not
	// unlink it as it closes. What it queued is kept for Accept; its
	// Accept returns, and Accept goes on with those, then the new one.
	old.SetUnlinkOnClose(false)
	l.pending = append(l.pending, drainBacklog(old)...)
	_ = old.Close()
	return true, groupErr
}

// socketID returns the file at path, nil if it cannot be stat'ed.
func socketID(path string) os.FileInfo {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil
	}
	return fi
}

// ownsPath reports whether path names the socket file that ln made, with
// l.mu held; if that file could not be stat'ed when it was made, whether
// path names a socket.
func (l *UnixListener) ownsPath() bool {
	fi, err := os.Lstat(l.path)
	if err != nil {
		return false
	}
	if l.id == nil {
		return fi.Mode().Type() == fs.ModeSocket
	}
	return os.SameFile(fi, l.id)
}

// current returns the listener Accept serves now.
func (l *UnixListener) current() *net.UnixListener {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ln
}

// next returns the first connection Restore kept, or else the listener
// to accept on: both under one lock, so that the listener is never one
// made after a connection still kept.
func (l *UnixListener) next() (net.Conn, *net.UnixListener) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.pending) > 0 {
		c := l.pending[0]
		l.pending[0] = nil
		l.pending = l.pending[1:]
		return c, nil
	}
	return nil, l.ln
}

// listenLocked does the part of ListenUnix that needs the lock.
func listenLocked(path string, gid int) (*net.UnixListener, error) {
	fi, err := os.Lstat(path)
	switch {
	case err == nil && fi.Mode().Type() == fs.ModeSocket:
		// We hold the lock, so no live superd owns it; but another
		// program might (a --socket pointing at its socket).
		if err := checkStaleSocket(path); err != nil {
			return nil, fmt.Errorf("listen on %s: %w", path, err)
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("removing stale socket: %w", err)
		}
	case err == nil:
		return nil, fmt.Errorf("listen on %s: path exists and is a %s, not a socket; refusing to replace it", path, fileKind(fi.Mode()))
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("listen on %s: %w", path, err)
	}

	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", path, err)
	}
	ln.SetUnlinkOnClose(true)
	if gid >= 0 {
		if err := os.Lchown(path, -1, gid); err != nil {
			_ = ln.Close()
			return nil, fmt.Errorf("listen on %s: giving the socket to group %d: %w", path, gid, err)
		}
	}
	if err := os.Chmod(path, 0o660); err != nil {
		_ = ln.Close()
		return nil, fmt.Errorf("listen on %s: %w", path, err)
	}
	return ln, nil
}

// mkdirParents creates dir and its missing parents with mode perm exactly
// (chmod after mkdir, since mkdir applies the umask) and, when gid >= 0,
// group gid. Directories that already exist are not modified.
func mkdirParents(dir string, perm fs.FileMode, gid int) error {
	fi, err := os.Stat(dir)
	if err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("%s is not a directory", dir)
		}
		return nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if parent := filepath.Dir(dir); parent != dir {
		if err := mkdirParents(parent, perm, gid); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, perm); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil // created concurrently by someone else: not ours to chmod
		}
		return err
	}
	if gid >= 0 {
		if err := os.Lchown(dir, -1, gid); err != nil {
			return fmt.Errorf("giving %s to group %d: %w", dir, gid, err)
		}
	}
	return os.Chmod(dir, perm)
}

// Accept waits for and returns the next connection: one that Restore
// took from the socket it replaced, else one of the socket Restore made
// last.
func (l *UnixListener) Accept() (net.Conn, error) {
	for {
		c, ln := l.next()
		if c != nil {
			return c, nil
		}
		c, err := ln.Accept()
		if err != nil && l.current() != ln {
			continue // closed by Restore, which made another
		}
		return c, err
	}
}

// Addr returns the socket's address.
func (l *UnixListener) Addr() net.Addr { return l.current().Addr() }

// Path returns the socket's file name.
func (l *UnixListener) Path() string { return l.path }

// Close stops listening, removes the socket file (the one it made, not a
// file put at its path since) and then releases the lock.
// It is safe to call more than once; later calls return the first result.
func (l *UnixListener) Close() error {
	l.closeOnce.Do(func() {
		err := l.closeSocket()
		l.mu.Lock()
		defer l.mu.Unlock()
		l.closeErr = errors.Join(err, l.lock.Close())
	})
	return l.closeErr
}

// closeSocket stops listening and removes the socket file, once, if the
// path still names the one it made. The lock is still held, so no
// successor has made its own there, unless the lock file went too.
func (l *UnixListener) closeSocket() error {
	l.socketOnce.Do(func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.shut = true
		// Only the socket file ln made is removed: once it was removed,
		// the path may name another program's file, or the socket of a
		// second daemon that took the path with the directory and its
		// lock file gone.
		l.ln.SetUnlinkOnClose(false)
		err := l.ln.Close()
		for _, c := range l.pending {
			_ = c.Close() // never accepted: refused as the socket's backlog is
		}
		l.pending = nil
		if l.ownsPath() {
			if rmErr := os.Remove(l.path); rmErr != nil && !errors.Is(rmErr, fs.ErrNotExist) {
				err = errors.Join(err, rmErr)
			}
		}
		l.socketErr = err
	})
	return l.socketErr
}

// Acceptor returns l as a listener whose Close stops listening and removes
// the socket file but keeps the lock, which only l.Close releases. Serve it
// rather than l when the daemon has work left after its server stops:
// [http.Server.Shutdown] closes the listeners it serves, and until the
// daemon is done (its services stopped, its state written) a second daemon
// must not take over the socket.
//
// It accepts at most maxSocketConns connections at once; more wait in
// the socket's backlog until one closes. The last socketConnsReserved of
// them are kept for root and this process's own user: a connection of
// another user (a member of the socket group) that would take one is
// answered 503 (an [ErrorBody] with code [CodeUnavailable]) and closed,
// and logged to logger (if not nil; at most
// refusalLogBurst records every refusalLogWindow), so that whoever may
// use the socket cannot lock root's CLI out of it by holding connections
// open.
func (l *UnixListener) Acceptor(logger *slog.Logger) net.Listener {
	return l.acceptor(maxSocketConns, socketConnsReserved, logger)
}

// acceptor is Acceptor, with at most n connections at once, reserved of
// them for root and this process's user.
func (l *UnixListener) acceptor(n, reserved int, logger *slog.Logger) net.Listener {
	return &reservingListener{
		limitListener: newLimitListener(unixAcceptor{l}, n, fullLogger(logger, "control socket", n)),
		others:        n - reserved,
		credOf:        peerCredentials,
		logger:        logger,
		refusals:      refusalLimiter{now: time.Now},
	}
}

// socketConnsReserved is how many of the socket's maxSocketConns
// connections only root and superd's own user may take.
const socketConnsReserved = 64

// reservingListener is a limitListener whose connections of users other
// than root and the process's own (peerCredentials) are at most others at
// once: past that, they are answered 503 and closed at once.
type reservingListener struct {
	*limitListener
	others   int
	credOf   func(net.Conn) (PeerCred, error) // peerCredentials, but for tests
	logger   *slog.Logger
	refusals refusalLimiter

	mu   sync.Mutex
	open int // connections of other users open now
}

// Accept returns the next connection that may be served.
func (l *reservingListener) Accept() (net.Conn, error) {
	for {
		c, err := l.limitListener.Accept()
		if err != nil {
			return nil, err
		}
		cred, err := l.credOf(c)
		if err != nil || cred.UID == 0 || cred.UID == os.Geteuid() {
			// Without peer credentials the socket's mode admits only
			// root and this process's user.
			return c, nil
		}
		l.mu.Lock()
		ok := l.open < l.others
		if ok {
			l.open++
		}
		l.mu.Unlock()
		if ok {
			return &limitConn{Conn: c, release: func() {
				l.mu.Lock()
				l.open--
				l.mu.Unlock()
			}}, nil
		}
		l.refuse(c, cred)
	}
}

// tooManyConnsAnswer is the whole answer to a connection refused for want
// of a slot ([TooManyConnections]), written before net/http could read its
// request: an [ErrorBody] like the handler's other 503s (code
// [CodeUnavailable]), so that a client of the documented API can read it.
var tooManyConnsAnswer = func() []byte {
	body, err := json.Marshal(ErrorBody{Error: TooManyConnections, Code: CodeUnavailable})
	if err != nil {
		panic(err) // a struct of strings always encodes
	}
	body = append(body, '\n')
	return fmt.Appendf(nil, "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s",
		len(body), body)
}()

// refuse answers c 503, closes it and logs it.
func (l *reservingListener) refuse(c net.Conn, cred PeerCred) {
	_ = c.SetWriteDeadline(time.Now().Add(100 * time.Millisecond)) // a fresh socket's buffer takes it at once
	_, _ = c.Write(tooManyConnsAnswer)
	_ = c.Close()
	if l.logger != nil {
		l.refusals.log(l.logger, "control connection refused: the connections of users other than root and superd's own are all taken",
			"uid", cred.UID, "pid", cred.PID, "limit", l.others)
	}
}

// maxSocketConns bounds the connections the control socket serves at
// once (each holds a file descriptor and a goroutine), so that a client
// that leaks its connections (a script's loop, a dashboard opening a
// follower per refresh) cannot take every descriptor of superd, which
// could then neither start a service nor write a log. It is twice the
// operations supers has under way at once on the socket (a stop of many
// services: opsAtOnceSocket in cmd/supers), so that such a batch leaves
// room to the other clients; its followers (logs -f, events -f) hold one
// each.
const maxSocketConns = 512

// unixAcceptor is what [UnixListener.Acceptor] returns.
type unixAcceptor struct{ l *UnixListener }

func (a unixAcceptor) Accept() (net.Conn, error) { return a.l.Accept() }
func (a unixAcceptor) Addr() net.Addr            { return a.l.Addr() }
func (a unixAcceptor) Close() error              { return a.l.closeSocket() }
