//go:build linux

package process

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

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

// What superd reads as root to explain a failed exec (the #! line or the
// ELF loader of a program the exec found missing, the format of one it
// could not run) was opened with a plain open, whatever the path named by
// then: a service's user who may write its program's directory could put
// a FIFO there once the exec had failed (inotify tells when), and the
// open blocked the one thread that starts every service, with the lock
// that the exits of all of them wait for held; or a device, whose opening
// acts (/dev/watchdog starts a timer that reboots the machine). Neither
// these nor the look before the fork open anything but a regular file
// that someone may execute, and none of them waits.
func TestProgramReadsOpenOnlyExecutableFiles(t *testing.T) {
	dir := t.TempDir()
	reads := map[string]func(string){
		"probeProgram":       probeProgram,
		"missingInterpreter": func(p string) { missingInterpreter(p) },
		"formatError":        func(p string) { formatError(p, true) },
	}

	fifo := filepath.Join(dir, "fifo")
	if err := unix.Mkfifo(fifo, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, read := range reads {
		done := make(chan struct{})
		go func() {
			defer close(done)
			read(fifo)
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Errorf("%s of a FIFO waits for a writer", name)
			if f, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil { // let it end
				f.Close()
			}
			<-done
		}
	}

	noexec := filepath.Join(dir, "noexec")
	if err := os.WriteFile(noexec, []byte("#!/nonexistent/interpreter\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, read := range reads {
		if openedBy(t, noexec, func() { read(noexec) }) {
			t.Errorf("%s opened a file nobody may execute", name)
		}
	}

	if os.Geteuid() == 0 {
		// A device of its own (as /dev/null), which only this test opens.
		dev := filepath.Join(dir, "dev")
		if err := unix.Mknod(dev, unix.S_IFCHR|0o755, int(unix.Mkdev(1, 3))); err != nil {
			t.Fatal(err)
		}
		link := filepath.Join(dir, "link") // what a program's path may become
		if err := os.Symlink(dev, link); err != nil {
			t.Fatal(err)
		}
		for name, read := range reads {
			if openedBy(t, dev, func() { read(link) }) {
				t.Errorf("%s opened a device", name)
			}
		}
	}

	// A program is still read.
	script := filepath.Join(dir, "script")
	if err := os.WriteFile(script, []byte("#!/nonexistent/interpreter -x\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if interp, _ := missingInterpreter(script); interp != "/nonexistent/interpreter" {
		t.Errorf("missingInterpreter of a script naming a missing interpreter = %q", interp)
	}
	if why := formatError(script, true); why != "" {
		t.Errorf("formatError of a script = %q, want none", why)
	}
}
