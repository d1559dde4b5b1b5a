//go:build !unix

package transport

import "os"

// unixSocketsSupported is false: ListenUnix fails at once on this system.
const unixSocketsSupported = false

// maxSocketPathLen is the longest path a Unix socket can be bound to.
const maxSocketPathLen = 107

// lockFile is not implemented off Unix.
func lockFile(string) (*os.File, error) { return nil, errUnsupported }
