//go:build unix

package logsink

import (
	"os"
	"syscall"
)

// oNonBlock makes opening a FIFO for reading return at once instead of
// waiting for a writer; it does not change reads of a regular file.
const oNonBlock = syscall.O_NONBLOCK

// removed reports whether the open file fi describes has no name left: its
// disk space is freed once the last descriptor is closed.
func removed(fi os.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && st.Nlink == 0
}
