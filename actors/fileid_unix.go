//go:build unix

package actors

import (
	"os"
	"syscall"
)

// fileID is what os.SameFile compares: the device and inode of a file.
type fileID struct{ dev, ino uint64 }

// fileIDOf returns fi's device and inode.
func fileIDOf(fi os.FileInfo) fileID {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fileID{}
	}
	return fileID{dev: uint64(st.Dev), ino: st.Ino} //nolint:unconvert // Dev is int32 on some systems
}
