package transport

import "golang.org/x/sys/unix"

// peerPID returns the pid of the peer of the Unix socket fd, 0 if unknown.
func peerPID(fd int) int {
	pid, err := unix.GetsockoptInt(fd, unix.SOL_LOCAL, unix.LOCAL_PEERPID)
	if err != nil {
		return 0
	}
	return pid
}
