//go:build unix

package process

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

// A fork that fails for want of a process (EAGAIN) says so, instead of a
// bare "resource temporarily unavailable" after the program's path, and
// still counts as a resource shortage (a transient failure).
func TestStartErrorEAGAINNamesTheProcessLimit(t *testing.T) {
	err := startError(&exec.Cmd{Path: "/bin/sleep"}, &fs.PathError{Op: "fork/exec", Path: "/bin/sleep", Err: syscall.EAGAIN})
	var ee *ExecError
	if !errors.As(err, &ee) || !errors.Is(err, syscall.EAGAIN) || !strings.Contains(err.Error(), "process limit") {
		t.Fatalf("startError = %v, want an *ExecError wrapping EAGAIN that names the process limit", err)
	}
	if errno, ok := ResourceShortage(err); !ok || errno != "EAGAIN" {
		t.Errorf("ResourceShortage = %q, %v; want EAGAIN, true", errno, ok)
	}
}

// A child that cannot move its descriptors into place because the pipe it
// was given holds the last descriptor below RLIMIT_NOFILE fails with EBADF
// (its dup3 to the limit): superd short of descriptors, not the service's
// fault. It counted as an exec failure of the service, and toward its
// start limit.
func TestStartErrorEBADFIsAShortage(t *testing.T) {
	err := startError(&exec.Cmd{Path: "/bin/sleep"}, &fs.PathError{Op: "fork/exec", Path: "/bin/sleep", Err: syscall.EBADF})
	if errno, ok := ResourceShortage(err); !ok || errno != "EBADF" || !errors.Is(err, syscall.EBADF) || !strings.Contains(err.Error(), "descriptor limit") {
		t.Errorf("ResourceShortage(%v) = %q, %v; want EBADF, true", err, errno, ok)
	}
	// Elsewhere, an EBADF is a bug to report, not a shortage to retry for
	// ever without counting.
	if errno, ok := ResourceShortage(os.NewSyscallError("read", syscall.EBADF)); ok {
		t.Errorf("ResourceShortage of an EBADF from a read = %q, true; want false", errno)
	}
}
