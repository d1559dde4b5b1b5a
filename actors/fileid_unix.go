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

// linkCount returns how many names (hard links) the file fi describes has,
// 1 if unknown.
func linkCount(fi os.FileInfo) uint64 {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 1
	}
	return uint64(st.Nlink) //nolint:unconvert // uint16 or uint32 on some systems
}
