//go:build unix

package main

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// toJournal reports whether f (superd's stderr) is the journal's stream:
// systemd sets JOURNAL_STREAM, stream's value, to the device and inode
// numbers of the stream it connected to stdout and stderr; a stderr
// redirected since (to a file, say) has others.
func toJournal(stream string, f *os.File) bool {
	dev, ino, ok := strings.Cut(stream, ":")
	if !ok {
		return false
	}
	d, err1 := strconv.ParseUint(dev, 10, 64)
	i, err2 := strconv.ParseUint(ino, 10, 64)
	if err1 != nil || err2 != nil {
		return false
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(int(f.Fd()), &st); err != nil {
		return false
	}
	return uint64(st.Dev) == d && uint64(st.Ino) == i // the types differ by system
}
