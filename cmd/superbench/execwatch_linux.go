//go:build linux

package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// execWatch tells when a program file is next executed: an inotify watch
// for IN_OPEN on it, which execve's open of the program raises. The restart
// benchmark runs each supervisor's service from a copy of its own
// (privateProgram), so that an open of that copy is an exec by that
// supervisor's service and nothing else.
//
// Waiting costs nothing until the event: the kernel wakes the waiting
// thread. Polling /proc every 100 µs instead keeps the machine busy with
// thousands of wake-ups a second, which slows the restart being timed,
// more for a supervisor whose restart passes between threads than for one
// that forks on the thread its wait woke.
type execWatch struct {
	fd   int
	path string
}

// newExecWatch watches the opens of path.
func newExecWatch(path string) (*execWatch, error) {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil, fmt.Errorf("inotify: %w", err)
	}
	if _, err := unix.InotifyAddWatch(fd, path, unix.IN_OPEN); err != nil {
		_ = unix.Close(fd)
		return nil, fmt.Errorf("inotify watch of %s: %w", path, err)
	}
	return &execWatch{fd: fd, path: path}, nil
}

// drain discards the events queued so far.
func (w *execWatch) drain() error {
	var buf [4096]byte
	for {
		_, err := unix.Read(w.fd, buf[:])
		switch {
		case errors.Is(err, unix.EAGAIN):
			return nil
		case errors.Is(err, unix.EINTR):
		case err != nil:
			return fmt.Errorf("inotify read: %w", err)
		}
	}
}

// errNoExec says that the program was not executed before the deadline.
var errNoExec = errors.New("the program was not executed")

// wait blocks until the program is opened (or was, since the last drain),
// and returns when this thread saw it; errNoExec after timeout. The
// goroutine's thread blocks in poll(2), so the wake-up is the kernel's, not
// the Go scheduler's (whose timers have millisecond steps when idle).
func (w *execWatch) wait(timeout time.Duration) (time.Time, error) {
	deadline := time.Now().Add(timeout)
	fds := []unix.PollFd{{Fd: int32(w.fd), Events: unix.POLLIN}}
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return time.Time{}, errNoExec
		}
		n, err := unix.Poll(fds, int(left/time.Millisecond)+1)
		at := time.Now()
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return time.Time{}, fmt.Errorf("poll inotify: %w", err)
		}
		if n > 0 {
			return at, nil
		}
	}
}

// close ends the watch.
func (w *execWatch) close() error { return unix.Close(w.fd) }

// privateProgram copies the program at src to dir and returns the copy's
// path. The copy has src's base name, so the kernel shows its processes
// under the same command name.
func privateProgram(src, dir string) (string, error) {
	in, err := os.Open(src)
	if err != nil {
		return "", err
	}
	defer in.Close()
	dst := filepath.Join(dir, filepath.Base(src))
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return "", err
	}
	return dst, out.Close()
}
