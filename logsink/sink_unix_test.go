//go:build unix

package logsink

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// Modes are exact whatever the umask. The umask is process-wide: this test
// must not run in parallel with others.
func TestModesIgnoreUmask(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	dir := filepath.Join(t.TempDir(), "logs", "svc")
	s := openSink(t, Options{Dir: dir})
	stdout, _ := pipes(t, s)
	mustWrite(t, stdout, []byte("x\n"))
	waitWritten(t, s, Stdout, 2)
	if err := s.Rotate(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	checkMode(t, dir, dirPerm)
	for _, n := range append(backups(t, dir, Stdout), "stdout.log", "stderr.log") {
		checkMode(t, filepath.Join(dir, n), filePerm)
	}
}

func TestNamedPipeIsReplaced(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "svc")
	if err := os.Mkdir(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "stderr.log")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	var log errorLog
	openSink(t, Options{Dir: dir, OnError: log.onError})
	if !log.has(Stderr, func(err error) bool { return errors.Is(err, ErrUnsafeFile) }) {
		t.Errorf("OnError got %v, want ErrUnsafeFile", log.errs)
	}
	if fi, err := os.Lstat(path); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("%s: %v, %v; want a regular file", path, fi, err)
	}
}

// The write ends are what a child expects: in blocking mode once their Fd
// method is called, as os/exec does, and close-on-exec in this process.
func TestWriteEndsBlockInTheChild(t *testing.T) { bothModes(t, testWriteEndsBlockInTheChild) }

func testWriteEndsBlockInTheChild(t *testing.T, p *Poller) {
	s := openSink(t, Options{Poller: p})
	stdout, stderr := pipes(t, s)
	for _, f := range []*os.File{stdout, stderr} {
		fd := int(f.Fd())
		if fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0); err != nil || fl&unix.O_NONBLOCK != 0 {
			t.Errorf("%s: file status flags %#x (%v): want blocking mode", f.Name(), fl, err)
		}
		if fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil || fl&unix.FD_CLOEXEC == 0 {
			t.Errorf("%s: descriptor flags %#x (%v): want close-on-exec", f.Name(), fl, err)
		}
	}
}
