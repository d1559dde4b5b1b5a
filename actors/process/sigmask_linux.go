//go:build linux

package process

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// clearSignalMask unblocks every signal on the calling thread, which must be
// locked to the calling goroutine. A child forked by Go starts with the
// signal mask of the forking thread (runtime_BeforeFork saves it and the
// child restores it before exec), so a thread of the spawner that forks
// with signals blocked hands them to every child, blocked through exec.
func clearSignalMask() error {
	if err := unix.PthreadSigmask(unix.SIG_SETMASK, &unix.Sigset_t{}, nil); err != nil {
		return fmt.Errorf("process: clear the signal mask of the spawner thread: %w", err)
	}
	return nil
}
