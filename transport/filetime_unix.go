//go:build linux || darwin || freebsd || netbsd

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
	ts := statCtime(st)
	return time.Unix(ts.Unix())
}
