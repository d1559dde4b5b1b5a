package transport

import (
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
)

// TestUnreachablePermissionDenied: a user who may not open the socket is
// told so, not asked whether superd is running (it is).
func TestUnreachablePermissionDenied(t *testing.T) {
	const sock = "/run/super/superd.sock"
	dial := func(errno syscall.Errno) error {
		return &UnreachableError{Socket: sock, Err: &net.OpError{
			Op: "dial", Net: "unix", Addr: &net.UnixAddr{Name: sock, Net: "unix"},
			Err: os.NewSyscallError("connect", errno),
		}}
	}
	msg := dial(syscall.EACCES).Error()
	if strings.Contains(msg, "is superd running") {
		t.Errorf("permission denied asks whether superd runs: %q", msg)
	}
	for _, want := range []string{"cannot reach superd at " + sock, "permission denied", "control group"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	// The other causes keep their hint.
	for _, errno := range []syscall.Errno{syscall.ENOENT, syscall.ECONNREFUSED} {
		if msg := dial(errno).Error(); !strings.HasSuffix(msg, "(is superd running?)") {
			t.Errorf("%v: message %q", errno, msg)
		}
	}
}
