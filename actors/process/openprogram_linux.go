package process

import (
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// openProgram opens the file at path for reading, as superd's user
// (root), only if it is a regular file that someone may execute, and
// never opens anything else, even if path is replaced between a look and
// the open (by the service's user, who may own its program's directory):
// not a FIFO, which would block, nor a device, whose opening acts
// (/dev/watchdog starts a timer that reboots the machine), nor a file
// nobody may execute, whose reading can act too (/proc/kmsg takes kernel
// messages away from the system logger). The path is opened once, with
// O_PATH, which opens nothing; what it names is checked on that
// descriptor, then opened through it (/proc/self/fd), without looking
// the path up again.
func openProgram(path string) (*os.File, bool) {
	fd, err := unix.Open(path, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, false
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFREG || st.Mode&0o111 == 0 {
		return nil, false
	}
	f, err := os.OpenFile("/proc/self/fd/"+strconv.Itoa(fd), os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, false
	}
	return f, true
}
