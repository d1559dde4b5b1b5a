//go:build unix

package logsink

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
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
