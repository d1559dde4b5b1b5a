//go:build unix

package process

import (
	"errors"
	"io/fs"
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
