//go:build linux

package logsink

import (
	"path/filepath"
	"testing"
)

// A stopped service holds no log file open, RotateEvery or not: a rotation
// (by the timer, or by Rotate) of a stream whose pipes have ended creates
// the new live file but leaves it closed, as the ended pipe left the old one.
func TestRotationOfStoppedServiceLeavesFileClosed(t *testing.T) {
	bothModes(t, func(t *testing.T, p *Poller) {
		s := openSink(t, Options{Poller: p})
		path := s.Path(Stdout)
		stdout, stderr := pipes(t, s)
		mustWrite(t, stdout, []byte("last words\n"))
		waitWritten(t, s, Stdout, 11)
		_ = stdout.Close() // the process exits
		_ = stderr.Close()
		waitFor(t, "stdout.log to be closed after its pipe ended", func() bool { return !openedBy(t, path) })

		if err := s.Rotate(); err != nil {
			t.Fatal(err)
		}
		if got := backups(t, filepath.Dir(path), Stdout); len(got) != 1 {
			t.Fatalf("backups %v, want one", got)
		}
		if openedBy(t, path) {
			t.Error("the new stdout.log is held open after a rotation, though the service is stopped")
		}
	})
}
