//go:build unix

package transport

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/supers-dev/supers/config/flock"
	"github.com/supers-dev/supers/config/pathsafe"
)

// unixSocketsSupported says whether ListenUnix can work on this system.
const unixSocketsSupported = true

// maxSocketPathLen is the longest path a Unix socket can be bound to (the
// size of sun_path minus its terminating NUL): 107 on Linux, 103 on BSDs.
var maxSocketPathLen = len(unix.RawSockaddrUnix{}.Path) - 1

// lockFile opens (creating if needed) the file at path and takes an
// exclusive flock on it without waiting. The lock lasts until the returned
// file is closed (or the process exits). Whoever can open the file can
// hold its lock and keep superd from starting: see flock.OpenOwned for
// what is refused.
func lockFile(path string) (*os.File, error) {
	f, err := flock.OpenOwned(path)
	if err != nil {
		return nil, err
	}
	if err := flock.TryLock(f); err != nil {
		_ = f.Close()
		return nil, err
	}
	return f, nil
}

// checkSocketDir refuses dir, the directory of the socket, if a user other
// than root and this process's effective user could replace what superd
// puts there: it, or a directory that could redirect the path to it,
// belongs to another user, or every user may write in it and it is not
// sticky (like /tmp). Those are its ancestors and, for a dir reached
// through symbolic links, the directories holding each link and the
// ancestors of each target (see pathsafe.Walk): whoever may write in one
// of them could repoint a link, or rename a directory away and put their
// own, with their own socket, in its place.
func checkSocketDir(dir string) error {
	d, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	_, err = pathsafe.Walk(d, func(p string, fi fs.FileInfo, _ pathsafe.Role) error {
		if err := checkSocketDirOwner(p, fi); err != nil {
			if p != "/" && p != d && !strings.HasPrefix(d, p+"/") {
				return fmt.Errorf("%w (%s leads there through a symbolic link)", err, d)
			}
			return err
		}
		return nil
	})
	return err
}

// checkSocketDirOwner checks p, a directory that fi describes, for
// checkSocketDir.
func checkSocketDirOwner(p string, fi fs.FileInfo) error {
	if fi.Mode().Perm()&0o002 != 0 && fi.Mode()&fs.ModeSticky == 0 {
		return fmt.Errorf("directory %s is writable by every user (mode %04o): anyone could replace the socket", p, fi.Mode().Perm())
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		if uid := int(st.Uid); uid != 0 && uid != os.Geteuid() {
			return fmt.Errorf("directory %s belongs to uid %d, not to root or uid %d: its owner could replace the socket", p, uid, os.Geteuid())
		}
	}
	return nil
}

// mayGiveToGroup reports whether this process may give its files to group
// gid, as ListenUnixGroup does: root may, another user only a group it is
// a member of.
func mayGiveToGroup(gid int) error {
	if os.Geteuid() == 0 || os.Getegid() == gid {
		return nil
	}
	groups, err := os.Getgroups()
	if err != nil {
		return err
	}
	for _, g := range groups {
		if g == gid {
			return nil
		}
	}
	return fmt.Errorf("superd's user (uid %d) is not a member of group %d, so it cannot give the socket to that group: add it to the group, or run superd as root", os.Geteuid(), gid)
}

// groupSocketDir makes sure that members of group gid can reach the socket
// named base in dir: if dir is superd's own (see ownSocketDir) and the
// group may not search it, dir is given to gid with mode 0750 (only
// checked, not changed, when fix is false); then dir and every ancestor
// must let the group search them.
func groupSocketDir(dir, base string, gid int, fix bool) error {
	d, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	fi, err := os.Lstat(d)
	if err != nil {
		return err
	}
	if !groupMaySearch(fi, gid) && ownSocketDir(d, fi, base) {
		if !fix {
			d = filepath.Dir(d) // to be given to the group: check the rest
		} else {
			if err := os.Lchown(d, -1, gid); err != nil {
				return fmt.Errorf("giving %s to group %d: %w", d, gid, err)
			}
			if err := os.Chmod(d, 0o750); err != nil {
				return err
			}
		}
	}
	return groupMaySearchPath(d, gid)
}

// groupMaySearchPath reports whether members of group gid may search d
// and each of its ancestors.
func groupMaySearchPath(d string, gid int) error {
	for {
		fi, err := os.Stat(d)
		if err != nil {
			return err
		}
		// A group other than the directory's own may be let through by
		// an ACL, which the group bits then show.
		if !groupMaySearch(fi, gid) && !(fileGroup(fi) != gid && fi.Mode().Perm()&0o010 != 0 && mayHaveACL(d)) {
			return unreachableDirError(d, fi, gid)
		}
		parent := filepath.Dir(d)
		if parent == d {
			return nil
		}
		d = parent
	}
}

// fileGroup returns the group of the file fi describes, -1 if unknown.
func fileGroup(fi fs.FileInfo) int {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int(st.Gid)
	}
	return -1
}

// groupMaySearch says whether the mode bits of the directory fi describes
// let members of group gid (other than its owner) search it: its group
// bits if it belongs to gid, else its bits for others.
func groupMaySearch(fi fs.FileInfo, gid int) bool {
	if fileGroup(fi) == gid {
		return fi.Mode().Perm()&0o010 != 0
	}
	return fi.Mode().Perm()&0o001 != 0
}

// ownSocketDir says whether dir, which fi describes (not following a
// symlink), is superd's own directory for the socket named base, which
// it may give to the control group: a real directory of this process's
// effective user, not sticky nor writable by others, holding nothing
// but the socket's files (base, base+".lock", base+".state"...).
func ownSocketDir(dir string, fi fs.FileInfo, base string) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || !fi.IsDir() || int(st.Uid) != os.Geteuid() ||
		fi.Mode()&fs.ModeSticky != 0 || fi.Mode().Perm()&0o002 != 0 {
		return false
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if name := e.Name(); name != base && !strings.HasPrefix(name, base+".") {
			return false
		}
	}
	return true
}

// unreachableDirError says that members of group gid cannot search dir,
// which fi describes, and what to do about it.
func unreachableDirError(dir string, fi fs.FileInfo, gid int) error {
	perm, group := fi.Mode().Perm(), fileGroup(fi)
	fix := fmt.Sprintf("chmod g+x %s", dir)
	if group != gid {
		fix = fmt.Sprintf("chgrp %d %s && chmod g+x %s, or chmod o+x %s", gid, dir, dir, dir)
	}
	return fmt.Errorf("members of the control group %s cannot reach the socket: directory %s (mode %04o, group %s) does not let them search it; run %s, or put the socket in a directory of its own, which superd creates for the group (mode 0750)",
		groupName(gid), dir, perm, groupName(group), fix)
}

// groupName returns "gid (name)", or just gid when the group has no name.
func groupName(gid int) string {
	id := strconv.Itoa(gid)
	if g, err := user.LookupGroupId(id); err == nil {
		return id + " (" + g.Name + ")"
	}
	return id
}

// checkStaleSocket makes sure that nothing listens on the socket file at
// path, which no superd holds the lock of, before it is replaced: only a
// refused connection shows that it is stale.
func checkStaleSocket(path string) error {
	conn, err := net.DialTimeout("unix", path, time.Second)
	switch {
	case err == nil:
		_ = conn.Close()
		return fmt.Errorf("another program is listening on %s (no superd holds %s.lock: another program, or a superd whose lock file was removed, by a cleaner of old files say); refusing to replace its socket: stop it, or choose another socket path", path, path)
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, fs.ErrNotExist):
		return nil
	default:
		return fmt.Errorf("cannot tell whether socket %s is stale: %w; refusing to replace it", path, err)
	}
}

// drainBacklog accepts, without waiting, the connections queued on ln
// and not yet accepted. Restore calls it on the socket it replaces, whose
// file is gone: no new connection can reach that socket, and those queued
// would be reset by its Close.
func drainBacklog(ln *net.UnixListener) []net.Conn {
	raw, err := ln.SyscallConn()
	if err != nil {
		return nil
	}
	var conns []net.Conn
	_ = raw.Control(func(fd uintptr) {
		for {
			// Under ForkLock, as the standard library accepts where
			// accept4 is missing: a child forked between the accept and
			// CloseOnExec would inherit the connection.
			syscall.ForkLock.RLock()
			nfd, _, err := syscall.Accept(int(fd))
			if err == nil {
				syscall.CloseOnExec(nfd)
			}
			syscall.ForkLock.RUnlock()
			switch {
			case errors.Is(err, syscall.EINTR), errors.Is(err, syscall.ECONNABORTED):
				continue
			case err != nil:
				return // EAGAIN (the listener does not block): none left
			}
			f := os.NewFile(uintptr(nfd), "control socket connection")
			c, err := net.FileConn(f)
			_ = f.Close()
			if err == nil {
				conns = append(conns, c)
			}
		}
	})
	return conns
}
