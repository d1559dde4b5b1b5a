//go:build unix

package logsink

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// A Sink opened while the process is out of file descriptors (or the log
// disk is out of inodes) is still opened: the service must run, its output
// dropped and counted until the files can be created, as when the disk
// fills up later. The failure is reported through OnError, and once
// descriptors are free again the output reaches the file.
//
// It changes RLIMIT_NOFILE, which is process-wide: it must not run in
// parallel with other tests.
func TestOpenWithoutFreeDescriptors(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "logs", "svc")
	var log errorLog
	fillers := exhaustDescriptors(t)
	s, err := Open(Options{Dir: dir, OnError: log.onError})
	if err == nil {
		t.Cleanup(func() { _ = s.Close() })
	}
	for _, f := range fillers {
		_ = f.Close()
	}
	if err != nil {
		t.Fatalf("Open without free descriptors: %v; want the Sink opened and the failure reported", err)
	}
	emfile := func(err error) bool { return errors.Is(err, syscall.EMFILE) }
	if !log.has(Stdout, emfile) && !log.has(Stderr, emfile) {
		t.Errorf("OnError got %v; want EMFILE reported", log.errs)
	}

	stdout, _ := pipes(t, s)
	mustWrite(t, stdout, []byte("back\n"))
	waitWritten(t, s, Stdout, 5)
	if got, err := os.ReadFile(filepath.Join(dir, "stdout.log")); err != nil || string(got) != "back\n" {
		t.Errorf("stdout.log: %q, %v; want %q", got, err, "back\n")
	}
}

// lowerNoFile lowers the soft RLIMIT_NOFILE to 512 at most, restored at
// the end of the test, and returns it. RLIMIT_NOFILE is process-wide: a
// test that calls it must not run in parallel with others.
func lowerNoFile(t *testing.T) syscall.Rlimit {
	t.Helper()
	var orig syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &orig); err != nil {
		t.Fatal(err)
	}
	low := orig
	low.Cur = min(orig.Cur, 512)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &orig); err != nil {
			t.Errorf("restore RLIMIT_NOFILE: %v", err)
		}
	})
	return low
}

// exhaustDescriptors lowers the soft RLIMIT_NOFILE (restored at the end of
// the test) and opens /dev/null until no descriptor is left. It returns the
// files opened, for the caller to close.
func exhaustDescriptors(t *testing.T) []*os.File {
	t.Helper()
	low := lowerNoFile(t)
	var files []*os.File
	for range low.Cur {
		f, err := os.Open(os.DevNull)
		if errors.Is(err, syscall.EMFILE) {
			return files
		}
		if err != nil {
			for _, f := range files {
				_ = f.Close()
			}
			t.Fatal(err)
		}
		files = append(files, f)
	}
	for _, f := range files {
		_ = f.Close()
	}
	t.Fatalf("no EMFILE after %d opens", len(files))
	return nil
}
