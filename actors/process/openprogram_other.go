//go:build unix && !linux

package process

import (
	"os"
	"syscall"
)

// openProgram opens the file at path for reading only if it is a regular
// file that someone may execute (see the Linux version). Here the path is
// looked at, then opened without waiting (a FIFO put in its place
// meanwhile does not block), and what was opened checked again: a device
// put in its place between the two is opened, then closed.
func openProgram(path string) (*os.File, bool) {
	if fi, err := os.Stat(path); err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
		return nil, false
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, false
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
		_ = f.Close()
		return nil, false
	}
	return f, true
}
