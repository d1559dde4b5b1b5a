//go:build linux

package process

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// The look at a program before its fork opened and read, as root, any
// regular file that ExecStart= named, executable or not, at each start:
// a member of the socket group (whose definitions run as itself) with
// ExecStart=/proc/kmsg had superd read kernel log messages away from the
// system logger that reads them there, once per start attempt, though
// the exec could only fail. A file that no one may execute is not opened:
// the exec fails on its mode at once.
func TestProbeOpensOnlyExecutables(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		mode   os.FileMode
		opened bool
	}{
		{0o644, false},
		{0o400, false},
		{0o755, true}, // the probe does open a program: the test can tell
		{0o700, true},
	} {
		path := filepath.Join(dir, "prog-"+c.mode.String())
		if err := os.WriteFile(path, []byte("#!/bin/sh\necho hi\n"), c.mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, c.mode); err != nil { // whatever the umask
			t.Fatal(err)
		}
		if got := openedBy(t, path, func() { probeProgram(path) }); got != c.opened {
			t.Errorf("probeProgram of a file of mode %v: opened %v, want %v", c.mode, got, c.opened)
		}
	}
}

// openedBy reports whether fn opens the file at path (inotify's IN_OPEN).
func openedBy(t *testing.T, path string, fn func()) bool {
	t.Helper()
	fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if _, err := unix.InotifyAddWatch(fd, path, unix.IN_OPEN); err != nil {
		t.Fatal(err)
	}
	fn()
	var buf [4096]byte
	n, err := unix.Read(fd, buf[:])
	switch {
	case errors.Is(err, unix.EAGAIN):
		return false
	case err != nil:
		t.Fatal(err)
	}
	return n > 0
}
