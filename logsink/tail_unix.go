//go:build unix

package logsink

import "syscall"

// oNonBlock makes opening a FIFO for reading return at once instead of
// waiting for a writer; it does not change reads of a regular file.
const oNonBlock = syscall.O_NONBLOCK
