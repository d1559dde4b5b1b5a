package process

import (
	"errors"
	"syscall"
)

// resourceErrnos are the errors of a start that ran out of a resource of
// the system or of the starting process, rather than failed because of the
// program or its settings: no free file descriptor (EMFILE, ENFILE, when
// making pipes or a pidfd), no process slot or memory to fork (EAGAIN:
// RLIMIT_NPROC or a full pids cgroup; ENOMEM), no kernel buffer (ENOBUFS),
// no answer from the file system of the program or its directory
// (ETIMEDOUT: a soft network mount that timed out, or [ErrNoAnswer]).
// They go away on their own once the resource is back. (An EBADF is one
// only from the forked child: see descriptorShortage.)
var resourceErrnos = []syscall.Errno{syscall.EMFILE, syscall.ENFILE, syscall.EAGAIN, syscall.ENOMEM, syscall.ENOBUFS, syscall.ETIMEDOUT}

// descriptorShortage is the EBADF of a forked child that could not move its
// descriptors into place: when a pipe given to it held the last descriptor
// below RLIMIT_NOFILE, the child's dup3 of the pipe that reports its exec
// error, which goes above the others, asks for one at the limit. It is
// superd short of descriptors, seen from the child; an EBADF from anywhere
// else is a bug, not a shortage.
type descriptorShortage struct{}

func (descriptorShortage) Error() string {
	return "bad file descriptor in the forked child (superd is at its descriptor limit)"
}

func (descriptorShortage) Unwrap() error { return syscall.EBADF }

// ResourceShortage reports whether err, the error of a start, says that a
// resource ran out (file descriptors, processes, memory, a file system's
// answer) rather than that
// the program could not be executed as configured, and returns the name of
// the errno ("EMFILE"). Such a failure is transient: the same start may
// succeed once the resource is back.
func ResourceShortage(err error) (errno string, ok bool) {
	if errors.As(err, new(descriptorShortage)) {
		return errnoName(syscall.EBADF), true
	}
	for _, e := range resourceErrnos {
		if errors.Is(err, e) {
			return errnoName(e), true
		}
	}
	return "", false
}
