package process

import (
	"errors"
	"syscall"
)

// resourceErrnos are the errors of a start that ran out of a resource of
// the system or of the starting process, rather than failed because of the
// program or its settings: no free file descriptor (EMFILE, ENFILE, when
// making pipes or a pidfd), no process slot or memory to fork (EAGAIN:
// RLIMIT_NPROC or a full pids cgroup; ENOMEM), no kernel buffer (ENOBUFS).
// EBADF too: when a pipe given to the child got the last descriptor below
// RLIMIT_NOFILE, the forked child, moving its descriptors into place (the
// pipe that reports its exec error goes above the others), asks for one
// at the limit, and dup3 fails with EBADF: the same shortage, seen from
// the child. They go away on their own once the resource is back.
var resourceErrnos = []syscall.Errno{syscall.EMFILE, syscall.ENFILE, syscall.EAGAIN, syscall.ENOMEM, syscall.ENOBUFS, syscall.EBADF}

// ResourceShortage reports whether err, the error of a start, says that a
// resource ran out (file descriptors, processes, memory) rather than that
// the program could not be executed as configured, and returns the name of
// the errno ("EMFILE"). Such a failure is transient: the same start may
// succeed once the resource is back.
func ResourceShortage(err error) (errno string, ok bool) {
	for _, e := range resourceErrnos {
		if errors.Is(err, e) {
			return errnoName(e), true
		}
	}
	return "", false
}
