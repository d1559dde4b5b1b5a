//go:build linux

package logsink

import (
	"time"

	"golang.org/x/sys/unix"
)

// birthTime returns when the file at path was created, if its file system
// records it (statx's STATX_BTIME: ext4, xfs, btrfs, tmpfs...).
func birthTime(path string) (time.Time, bool) {
	var st unix.Statx_t
	err := unix.Statx(unix.AT_FDCWD, path, unix.AT_SYMLINK_NOFOLLOW, unix.STATX_BTIME, &st)
	if err != nil || st.Mask&unix.STATX_BTIME == 0 {
		return time.Time{}, false
	}
	return time.Unix(st.Btime.Sec, int64(st.Btime.Nsec)), true
}
