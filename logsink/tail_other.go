//go:build !unix

package logsink

// oNonBlock is 0 where open has no such flag.
const oNonBlock = 0
