//go:build unix

package main

import (
	"os"

	"golang.org/x/sys/unix"
)

// logStderr returns the file superd writes its own log to: a duplicate of
// its stderr, which the Go runtime does not treat as stderr. A write to
// descriptor 1 or 2 that fails with EPIPE (a stderr whose reader is gone:
// `superd 2>&1 | logger`, logger then killed) raises SIGPIPE in the
// runtime, and ends the process unless SIGPIPE is handled or ignored at
// that instant; the process manager switches it between the two (see
// process.Options.Subreaper), and the runtime's switch to ignored has an
// instant where it is neither. Through the duplicate, EPIPE is only an
// error of the write, which the log queue drops. If the descriptor
// cannot be duplicated (none left), it is os.Stderr.
func logStderr() *os.File {
	fd, err := unix.FcntlInt(2, unix.F_DUPFD_CLOEXEC, 3)
	if err != nil {
		return os.Stderr
	}
	return os.NewFile(uintptr(fd), os.Stderr.Name())
}
