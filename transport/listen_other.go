//go:build !unix

package transport

import (
	"net"
	"os"
)

// unixSocketsSupported is false: ListenUnix fails at once on this system.
const unixSocketsSupported = false

// maxSocketPathLen is the longest path a Unix socket can be bound to.
const maxSocketPathLen = 107

// lockFile is not implemented off Unix.
func lockFile(string) (*os.File, error) { return nil, errUnsupported }

// checkSocketDir has nothing to check where ListenUnix cannot work.
func checkSocketDir(string) error { return nil }

// groupSocketDir has nothing to do where ListenUnix cannot work.
func groupSocketDir(string, string, int, bool) error { return nil }

// groupMaySearchPath has nothing to check where ListenUnix cannot work.
func groupMaySearchPath(string, int) error { return nil }

// mayGiveToGroup has nothing to check where ListenUnix cannot work.
func mayGiveToGroup(int) error { return nil }

// checkStaleSocket has nothing to check where ListenUnix cannot work.
func checkStaleSocket(string) error { return nil }

// drainBacklog has nothing to accept where ListenUnix cannot work.
func drainBacklog(*net.UnixListener) []net.Conn { return nil }
