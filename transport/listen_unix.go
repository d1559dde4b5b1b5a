//go:build unix

package transport

import (
	"errors"
	"fmt"
	"os"

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
