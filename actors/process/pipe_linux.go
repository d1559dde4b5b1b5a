//go:build linux

package process

import (
	"os"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// PipeID returns the inode number of f if it is a pipe, 0 otherwise (or if
// f is nil): what [Handle.Pipes] holds, and what /proc/PID/fd shows as
// "pipe:[N]" for a descriptor of that pipe.
func PipeID(f *os.File) uint64 {
	if f == nil {
		return 0
	}
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFIFO {
		return 0
	}
	return st.Ino
}

// HoldsPipe reports whether one of the descriptors of process pid is one
// of the pipes whose inode numbers pipes lists. It looks at its stdout and
// stderr first, where a service's processes keep its pipes, and lists
// /proc/PID/fd only if neither is one; it stops at the first match.
func HoldsPipe(pid int, pipes []uint64) bool {
	return holdsPipe(pid, pipes, true)
}

// HoldsPipeAsOutput reports whether the stdout or stderr of process pid is
// one of the pipes whose inode numbers pipes lists (other descriptors are
// not looked at).
func HoldsPipeAsOutput(pid int, pipes []uint64) bool {
	return holdsPipe(pid, pipes, false)
}

// readFDLink reads the link of a descriptor in /proc/PID/fd (tests count
// the calls).
var readFDLink = os.Readlink

// holdsPipe is HoldsPipe if anyFD is true, HoldsPipeAsOutput otherwise.
func holdsPipe(pid int, pipes []uint64, anyFD bool) bool {
	if len(pipes) == 0 {
		return false
	}
	dir := "/proc/" + strconv.Itoa(pid) + "/fd/"
	if isPipeOf(dir+"1", pipes) || isPipeOf(dir+"2", pipes) {
		return true
	}
	if !anyFD {
		return false
	}
	f, err := os.Open(dir)
	if err != nil {
		return false
	}
	defer f.Close()
	for {
		names, err := f.Readdirnames(64)
		for _, name := range names {
			if name != "1" && name != "2" && isPipeOf(dir+name, pipes) {
				return true
			}
		}
		if err != nil {
			return false
		}
	}
}

// isPipeOf reports whether link, a /proc/PID/fd entry, is one of pipes.
func isPipeOf(link string, pipes []uint64) bool {
	target, err := readFDLink(link)
	if err != nil {
		return false
	}
	num, ok := strings.CutPrefix(target, "pipe:[")
	if !ok {
		return false
	}
	ino, err := strconv.ParseUint(strings.TrimSuffix(num, "]"), 10, 64)
	return err == nil && slices.Contains(pipes, ino)
}
