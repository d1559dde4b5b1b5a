//go:build unix

package transport

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"
)

// unixSocketsSupported says whether ListenUnix can work on this system.
const unixSocketsSupported = true

// maxSocketPathLen is the longest path a Unix socket can be bound to (the
// size of sun_path minus its terminating NUL): 107 on Linux, 103 on BSDs.
var maxSocketPathLen = len(unix.RawSockaddrUnix{}.Path) - 1

// lockFile opens (creating if needed) the file at path and takes an
// exclusive flock on it without waiting. The lock lasts until the returned
// file is closed (or the process exits).
func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening lock file: %w", err)
	}
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	if err != nil {
		_ = f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, errLocked
		}
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	return f, nil
}

// checkSocketDir refuses dir, the directory of the socket, if a user other
// than root and this process's effective user could replace what superd
// puts there: it, or one of its ancestors, belongs to another user, or
// every user may write in it and it is not sticky (like /tmp).
func checkSocketDir(dir string) error {
	d, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	for {
		fi, err := os.Stat(d)
		if err != nil {
			return err
		}
		if fi.Mode().Perm()&0o002 != 0 && fi.Mode()&fs.ModeSticky == 0 {
			return fmt.Errorf("directory %s is writable by every user (mode %04o): anyone could replace the socket", d, fi.Mode().Perm())
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			if uid := int(st.Uid); uid != 0 && uid != os.Geteuid() {
				return fmt.Errorf("directory %s belongs to uid %d, not to root or uid %d: its owner could replace the socket", d, uid, os.Geteuid())
			}
		}
		parent := filepath.Dir(d)
		if parent == d {
			return nil
		}
		d = parent
	}
}
