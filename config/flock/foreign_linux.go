//go:build linux

package flock

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// Foreign tells, for the process pid that holds the lock of the
// directory open as dir (as Holder names it; 0 if unknown), whether it
// cannot be a supervisor of that directory: it returns what it is ("pid N
// of uid U", or "pid N, which has exited ...") if so, and "" if it may be
// one, or if that cannot be told. A supervisor of the directory runs as
// root or as this process's user (the one the directory and its files
// must belong to), and holds the lock itself, on the directory it opened,
// for as long as it runs. Whoever may read a directory can lock it: a
// lock Foreign describes is one a supervisor should not let keep it off
// the directory.
func Foreign(pid int, dir *os.File) string {
	if pid <= 0 || pid == os.Getpid() {
		return ""
	}
	proc := "/proc/" + strconv.Itoa(pid)
	status, err := os.ReadFile(proc + "/status")
	if errors.Is(err, fs.ErrNotExist) {
		// The process that took the lock is gone, and the lock is still
		// held: by a process it started, which inherited the directory.
		return "pid " + strconv.Itoa(pid) + ", which has exited (a process it started holds the lock)"
	}
	if err != nil {
		return ""
	}
	euid := os.Geteuid()
	for line := range strings.Lines(string(status)) {
		ids, ok := strings.CutPrefix(line, "Uid:")
		if !ok {
			continue
		}
		f := strings.Fields(ids) // real, effective, saved, file system
		if len(f) < 2 {
			return ""
		}
		for _, id := range f[:2] {
			uid, err := strconv.Atoi(id)
			if err != nil {
				return ""
			}
			if uid != 0 && uid != euid {
				return "pid " + strconv.Itoa(pid) + " of uid " + id
			}
		}
		if !holdsOpen(proc, dir) {
			// The PID was taken over by a process of root's (or ours)
			// that has not opened the directory: the taker exited.
			return "pid " + strconv.Itoa(pid) + ", which has exited (a process it started holds the lock)"
		}
		return ""
	}
	return ""
}

// holdsOpen reports whether the process whose /proc directory is proc has
// the directory dir open, or whether that cannot be told. It reads the
// inode numbers of its descriptors from fdinfo, which, unlike a stat of
// each descriptor, never waits for the file system of a file it holds.
func holdsOpen(proc string, dir *os.File) bool {
	fi, err := dir.Stat()
	if err != nil {
		return true
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return true
	}
	ino := uint64(st.Ino)
	entries, err := os.ReadDir(proc + "/fdinfo")
	if err != nil {
		return true
	}
	want := []byte("\nino:\t" + strconv.FormatUint(ino, 10) + "\n")
	for _, e := range entries {
		info, err := os.ReadFile(proc + "/fdinfo/" + e.Name())
		if err != nil {
			continue
		}
		if !bytes.Contains(info, []byte("\nino:\t")) {
			return true // a kernel before 5.14: fdinfo has no inode number
		}
		if bytes.Contains(info, want) {
			return true
		}
	}
	return false
}
