//go:build linux

package logsink

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// A log file system mounted read-only (ext4's errors=remount-ro, a
// maintenance) does not keep the service from running, as a full one does
// not: Open succeeds and reports the failure, the output is dropped and
// counted, and logging resumes once the file system is writable again.
// Open used to fail, and superd did not create the service at all.
func TestReadOnlyLogFileSystemIsWaitedOut(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root, to mount a file system")
	}
	mnt := t.TempDir()
	if err := syscall.Mount("tmpfs", mnt, "tmpfs", syscall.MS_RDONLY, "size=1m,mode=0700"); err != nil {
		t.Skipf("cannot mount a tmpfs: %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(mnt, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", mnt, err)
		}
	})
	bothModes(t, func(t *testing.T, p *Poller) {
		if err := syscall.Mount("", mnt, "", syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
			t.Fatal(err)
		}
		var log errorLog
		dir := filepath.Join(mnt, filepath.Base(t.Name()))
		s, err := Open(Options{Dir: dir, OnError: log.onError, Poller: p})
		if err != nil {
			t.Fatalf("Open on a read-only file system: %v", err)
		}
		t.Cleanup(func() { _ = s.Close() })
		if !log.has(Stdout, func(err error) bool { return errors.Is(err, syscall.EROFS) }) {
			t.Errorf("no EROFS reported for stdout: %v", log.errs)
		}
		stdout, _ := pipes(t, s)
		lost := []byte("lost\n")
		mustWrite(t, stdout, lost)
		waitFor(t, "the output dropped", func() bool { return s.Stats().Stdout.BytesDropped == uint64(len(lost)) })

		if err := syscall.Mount("", mnt, "", syscall.MS_REMOUNT, ""); err != nil {
			t.Fatal(err)
		}
		// Written once the retry delay after the failure has passed.
		kept := []byte("kept\n")
		waitFor(t, "the output written", func() bool {
			mustWrite(t, stdout, kept)
			b, _ := os.ReadFile(s.Path(Stdout))
			return len(b) > 0
		})
		if b, err := os.ReadFile(s.Path(Stdout)); err != nil || len(b)%len(kept) != 0 || string(b[:len(kept)]) != string(kept) {
			t.Errorf("log holds %q (%v), want lines %q", b, err, kept)
		}
	})
}
