//go:build linux

package logsink

import (
	"os"
	"path/filepath"
	"testing"
)

// openedBy reports whether this process has a descriptor open on path
// (which may have been removed since it was opened).
func openedBy(t testing.TB, path string) bool {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	for _, fd := range fds {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name()))
		if err == nil && (target == path || target == path+" (deleted)") {
			return true
		}
	}
	return false
}

// Once every pipe of a stream has ended (the service exited or was
// stopped), its log file is closed: a stopped service must not hold a log
// file that the operator removes to free disk space (nor cost a descriptor
// while it is stopped). The next process's output opens the path again.
func TestLogFileClosedWhenPipesEnd(t *testing.T) {
	bothModes(t, func(t *testing.T, p *Poller) {
		s := openSink(t, Options{Poller: p})
		path := s.Path(Stdout)
		stdout, stderr := pipes(t, s)
		mustWrite(t, stdout, []byte("first run\n"))
		waitWritten(t, s, Stdout, 10)
		if !openedBy(t, path) {
			t.Fatal("stdout.log is not open while the pipe is")
		}
		_ = stdout.Close() // the process exits
		_ = stderr.Close()
		waitFor(t, "stdout.log to be closed after its pipe ended", func() bool { return !openedBy(t, path) })

		// Removed by hand while the service is stopped, then started again.
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
		stdout, _ = pipes(t, s)
		mustWrite(t, stdout, []byte("second run\n"))
		waitWritten(t, s, Stdout, 21)
		if b, err := os.ReadFile(path); err != nil || string(b) != "second run\n" {
			t.Errorf("stdout.log = %q (%v), want the second run's output", b, err)
		}
	})
}
