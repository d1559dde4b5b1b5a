package transport

// peerPID returns 0: FreeBSD's xucred carries the pid only in a union
// x/sys/unix does not expose.
func peerPID(int) int { return 0 }
