//go:build darwin || freebsd || netbsd

package transport

import (
	"os"
	"syscall"
	"time"
)

// changeTime returns the time fi's inode last changed (its ctime: any
// write, chmod or chown sets it, and no one can set it back), the zero
// time if unknown.
func changeTime(fi os.FileInfo) time.Time {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return time.Time{}
	}
	return time.Unix(int64(st.Ctimespec.Sec), int64(st.Ctimespec.Nsec)) //nolint:unconvert // int32 on 32-bit systems
}
