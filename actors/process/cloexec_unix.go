//go:build unix

package process

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// markInheritedCloseOnExec marks every open descriptor from 3 up
// close-on-exec. Go opens its own files that way, but descriptors the
// process inherited from its parent (a shell's pipe, a terminal) are not,
// and would otherwise leak into every child.
func markInheritedCloseOnExec() error {
	if closeRangeCloexec() == nil {
		return nil
	}
	entries, err := os.ReadDir("/dev/fd")
	if err != nil {
		return fmt.Errorf("list open descriptors: %w", err)
	}
	for _, e := range entries {
		fd, err := strconv.Atoi(e.Name())
		if err != nil || fd < 3 {
			continue
		}
		// FD_CLOEXEC is the only descriptor flag, so it can be set as is.
		// EBADF: the descriptor of the /dev/fd listing, closed since.
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFD, unix.FD_CLOEXEC); err != nil && !errors.Is(err, unix.EBADF) {
			return fmt.Errorf("set close-on-exec on descriptor %d: %w", fd, err)
		}
	}
	return nil
}
