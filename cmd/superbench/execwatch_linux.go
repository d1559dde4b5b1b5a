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
	"unsafe"

	"golang.org/x/sys/unix"
)

// execWatch tells when a program file is next executed. The restart
// benchmark runs each supervisor's service from a copy of its own
// (privateProgram), so that an exec of that copy is an exec by that
// supervisor's service.
//
// It is a fanotify mark for FAN_OPEN_EXEC on the copy where the kernel and
// superbench's privileges allow it (Linux 5.0, CAP_SYS_ADMIN): the event of
// execve's open of the program, and of no other open. Otherwise it is an
// inotify watch for IN_OPEN, which execve's open raises too but so does any
// open: a supervisor that opens the program before it forks (superd checks
// the program it is about to run) then has its restart timed short, at
// that open. Both events are raised at the same point of execve, so the
// two time the same thing when nothing else opens the copy.
//
// Waiting costs nothing until the event: the kernel wakes the waiting
// thread. Polling /proc every 100 µs instead keeps the machine busy with
// thousands of wake-ups a second, which slows the restart being timed,
// more for a supervisor whose restart passes between threads than for one
// that forks on the thread its wait woke.
type execWatch struct {
	fd   int
	path string
	kind string // watchFanotify or watchInotify
	// fallback is why fanotify was not used, for an inotify watch that
	// newExecWatch made in its place.
	fallback error
}

// The kinds of execWatch, as the report names them.
const (
	watchFanotify = "fanotify (FAN_OPEN_EXEC)"
	watchInotify  = "inotify (IN_OPEN, any open)"
)

// newExecWatch watches the execs of path: with fanotify if it can, else
// with inotify.
func newExecWatch(path string) (*execWatch, error) {
	w, err := newFanotifyWatch(path)
	if err == nil {
		return w, nil
	}
	w, ierr := newInotifyWatch(path)
	if ierr != nil {
		return nil, fmt.Errorf("%w; and %w", err, ierr)
	}
	w.fallback = err
	return w, nil
}

// newFanotifyWatch watches the execs of path, and only those.
func newFanotifyWatch(path string) (*execWatch, error) {
	fd, err := unix.FanotifyInit(unix.FAN_CLASS_NOTIF|unix.FAN_CLOEXEC|unix.FAN_NONBLOCK,
		unix.O_RDONLY|unix.O_LARGEFILE|unix.O_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("fanotify: %w", err)
	}
	if err := unix.FanotifyMark(fd, unix.FAN_MARK_ADD, unix.FAN_OPEN_EXEC, unix.AT_FDCWD, path); err != nil {
		_ = unix.Close(fd)
		return nil, fmt.Errorf("fanotify mark of %s: %w", path, err)
	}
	return &execWatch{fd: fd, path: path, kind: watchFanotify}, nil
}

// newInotifyWatch watches the opens of path, an exec's or any other.
func newInotifyWatch(path string) (*execWatch, error) {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil, fmt.Errorf("inotify: %w", err)
	}
	if _, err := unix.InotifyAddWatch(fd, path, unix.IN_OPEN); err != nil {
		_ = unix.Close(fd)
		return nil, fmt.Errorf("inotify watch of %s: %w", path, err)
	}
	return &execWatch{fd: fd, path: path, kind: watchInotify}, nil
}

// drain discards the events queued so far.
func (w *execWatch) drain() error {
	for {
		_, err := w.read()
		switch {
		case errors.Is(err, unix.EAGAIN):
			return nil
		case errors.Is(err, unix.EINTR):
		case err != nil:
			return err
		}
	}
}

// errNoExec says that the program was not executed before the deadline.
var errNoExec = errors.New("the program was not executed")

// wait blocks until the program is executed (or was, since the last
// drain), and returns when this thread saw it; errNoExec after timeout, or
// ctx's error. The goroutine's thread blocks in poll(2), so the wake-up is
// the kernel's, not the Go scheduler's (whose timers have millisecond steps
// when idle). An event other than an exec (the watch removed, the event
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
			return time.Time{}, fmt.Errorf("poll %s: %w", w.kind, err)
		}
		if n == 0 {
			continue
		}
		execs, err := w.read()
		if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil || execs > 0 {
			return at, err
		}
	}
}

// waitSlice is how long wait blocks before it looks at its context again.
const waitSlice = 100 * time.Millisecond

// read reads the events queued and returns how many were execs; an event
// that is neither an exec nor (fanotify) another event of the file is an
// error. Without events, it returns the read's EAGAIN.
func (w *execWatch) read() (int, error) {
	var buf [4096]byte
	n, err := unix.Read(w.fd, buf[:])
	if err != nil {
		if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
			return 0, err
		}
		return 0, fmt.Errorf("%s read: %w", w.kind, err)
	}
	if w.kind == watchFanotify {
		return w.fanotifyEvents(buf[:n])
	}
	return w.inotifyEvents(buf[:n])
}

// inotifyEvents counts the opens in p, events of an inotify watch.
func (w *execWatch) inotifyEvents(p []byte) (int, error) {
	opens := 0
	for len(p) > 0 {
		if len(p) < unix.SizeofInotifyEvent {
			return opens, fmt.Errorf("inotify read: short event (%d bytes)", len(p))
		}
		// struct inotify_event: wd, mask, cookie, len, then len bytes of name.
		mask, size := binary.NativeEndian.Uint32(p[4:8]), binary.NativeEndian.Uint32(p[12:16])
		if mask&unix.IN_OPEN == 0 {
			return opens, fmt.Errorf("inotify watch of %s: event %#x, not an open", w.path, mask)
		}
		opens++
		p = p[min(len(p), unix.SizeofInotifyEvent+int(size)):]
	}
	return opens, nil
}

// fanotifyEvents counts the execs in p, events of a fanotify mark, and
// closes the descriptor of the file each event carries.
func (w *execWatch) fanotifyEvents(p []byte) (int, error) {
	execs := 0
	var errs []error
	for len(p) > 0 {
		if len(p) < fanotifyMetadataSize {
			errs = append(errs, fmt.Errorf("fanotify read: short event (%d bytes)", len(p)))
			break
		}
		// struct fanotify_event_metadata: event_len, vers, reserved,
		// metadata_len, mask, fd, pid.
		size := binary.NativeEndian.Uint32(p[0:4])
		vers, mask := p[4], binary.NativeEndian.Uint64(p[8:16])
		if fd := int32(binary.NativeEndian.Uint32(p[16:20])); fd >= 0 {
			_ = unix.Close(int(fd))
		}
		switch {
		case vers != unix.FANOTIFY_METADATA_VERSION:
			errs = append(errs, fmt.Errorf("fanotify read: metadata version %d, want %d", vers, unix.FANOTIFY_METADATA_VERSION))
		case mask&unix.FAN_Q_OVERFLOW != 0:
			errs = append(errs, fmt.Errorf("fanotify mark of %s: the event queue overflowed", w.path))
		case mask&unix.FAN_OPEN_EXEC != 0:
			execs++
		default:
			errs = append(errs, fmt.Errorf("fanotify mark of %s: event %#x, not an exec", w.path, mask))
		}
		if int(size) < fanotifyMetadataSize {
			errs = append(errs, fmt.Errorf("fanotify read: event of %d bytes", size))
			break
		}
		p = p[min(len(p), int(size)):]
	}
	return execs, errors.Join(errs...)
}

// fanotifyMetadataSize is the size of struct fanotify_event_metadata.
const fanotifyMetadataSize = int(unsafe.Sizeof(unix.FanotifyEventMetadata{}))

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
