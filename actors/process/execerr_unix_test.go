//go:build unix

package process

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"strconv"
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

// An environment too large for execve (E2BIG, whatever the length of the
// command line) is named as the cause, with its size, instead of a bare
// "argument list too long" after a program that takes no argument; and
// a single variable longer than the kernel takes is named.
func TestArgumentListTooLongSaysWhat(t *testing.T) {
	m := newManager(t, Options{})
	big := strings.Repeat("x", 100<<10)
	var env []string
	for i := range 70 { // 7 MB: more than any stack limit lets execve take
		env = append(env, "V"+strconv.Itoa(i)+"="+big)
	}
	_, err := m.Start(Spec{Argv: []string{"/bin/true"}, Env: env}, nil)
	var ee *ExecError
	if !errors.As(err, &ee) || !errors.Is(err, syscall.E2BIG) {
		t.Fatalf("Start: %v, want an ExecError wrapping E2BIG", err)
	}
	if !strings.Contains(err.Error(), "environment") || !strings.Contains(err.Error(), "70 variables") {
		t.Errorf("error %q does not name the environment and its size", err)
	}

	_, err = m.Start(Spec{Argv: []string{"/bin/true"}, Env: []string{"HUGE=" + strings.Repeat("y", 200<<10)}}, nil)
	if !errors.Is(err, syscall.E2BIG) || !strings.Contains(err.Error(), "HUGE") {
		t.Errorf("Start with one variable of 200 KiB: %v, want E2BIG naming HUGE", err)
	}
}

// A start that failed because a file system did not answer (ErrNoAnswer:
// a hung network mount) is a shortage, like EAGAIN: the service is not at
// fault, and its start must be tried again, without counting against it,
// until the mount answers, not end in fatal after ten quick tries. So is
// an exec that a soft NFS mount failed with ETIMEDOUT.
func TestNoAnswerIsAShortage(t *testing.T) {
	for _, err := range []error{
		&ExecError{Op: "exec", Path: "/mnt/app", Err: fmt.Errorf("%w within 2s", ErrNoAnswer)},
		startError(&exec.Cmd{Path: "/mnt/app"}, &fs.PathError{Op: "fork/exec", Path: "/mnt/app", Err: syscall.ETIMEDOUT}),
	} {
		if errno, ok := ResourceShortage(err); !ok || errno != "ETIMEDOUT" {
			t.Errorf("ResourceShortage(%v) = %q, %v; want ETIMEDOUT, true", err, errno, ok)
		}
	}
	if !errors.Is(ErrNoAnswer, syscall.ETIMEDOUT) || ErrNoAnswer.Error() != "no answer from the file system" {
		t.Errorf("ErrNoAnswer = %q, want it to match ETIMEDOUT", ErrNoAnswer)
	}
}
