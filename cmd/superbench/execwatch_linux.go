//go:build linux

package main

import (
	"context"
	"encoding/binary"
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
// supervisor's service: inotify does not tell an exec from a plain open,
// and nothing else opens the copy (a supervisor that read the program
// before it runs it would have its restart timed short).
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
// and returns when this thread saw it; errNoExec after timeout, or ctx's
// error. The goroutine's thread blocks in poll(2), so the wake-up is the
// kernel's, not the Go scheduler's (whose timers have millisecond steps
// when idle). An event other than an open (the watch removed, the event
// queue overflowed) is an error.
func (w *execWatch) wait(ctx context.Context, timeout time.Duration) (time.Time, error) {
	deadline := time.Now().Add(timeout)
	fds := []unix.PollFd{{Fd: int32(w.fd), Events: unix.POLLIN}}
	for {
		left := min(time.Until(deadline), waitSlice)
		if left <= 0 {
			return time.Time{}, errNoExec
		}
		if err := ctx.Err(); err != nil {
			return time.Time{}, err
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
			return at, w.check()
		}
	}
}

// waitSlice is how long wait blocks before it looks at its context again.
const waitSlice = 100 * time.Millisecond

// check reads the events queued and reports one that is not an open.
func (w *execWatch) check() error {
	var buf [4096]byte
	n, err := unix.Read(w.fd, buf[:])
	if err != nil {
		return fmt.Errorf("inotify read: %w", err)
	}
	for p := buf[:n]; len(p) > 0; {
		if len(p) < unix.SizeofInotifyEvent {
			return fmt.Errorf("inotify read: short event (%d bytes)", len(p))
		}
		// struct inotify_event: wd, mask, cookie, len, then len bytes of name.
		mask, size := binary.NativeEndian.Uint32(p[4:8]), binary.NativeEndian.Uint32(p[12:16])
		if mask&unix.IN_OPEN == 0 {
			return fmt.Errorf("inotify watch of %s: event %#x, not an open", w.path, mask)
		}
		p = p[min(len(p), unix.SizeofInotifyEvent+int(size)):]
	}
	return nil
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
