//go:build unix

package logsink

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// When lumberjack cannot open the live file (a read-only file system), it
// falls back to a rotation whose rename fails too, and says only "can't
// rename log file": the write's error names the failed open instead, with
// lumberjack's words after it.
func TestOpenCauseNamesTheFailedOpen(t *testing.T) {
	dir := t.TempDir()
	live := filepath.Join(dir, "stdout.log")
	if err := os.Mkdir(live, 0o750); err != nil { // a path whose open for writing fails
		t.Fatal(err)
	}
	fi, err := os.Lstat(live)
	if err != nil {
		t.Fatal(err)
	}
	lj := errors.New("can't rename log file: rename " + live + " " + live + ".1: read-only file system")
	got := openCause(live, fi, lj)
	if !errors.Is(got, syscall.EISDIR) || !strings.Contains(got.Error(), "can't rename log file") {
		t.Errorf("openCause: %v, want the open's EISDIR, then lumberjack's error", got)
	}
	// A live file that opens: lumberjack's error as it is.
	ok := filepath.Join(dir, "stderr.log")
	if err := os.WriteFile(ok, nil, 0o640); err != nil {
		t.Fatal(err)
	}
	okInfo, err := os.Lstat(ok)
	if err != nil {
		t.Fatal(err)
	}
	if got := openCause(ok, okInfo, lj); got != lj {
		t.Errorf("openCause of a file that opens: %v, want lumberjack's error", got)
	}
	// Another error, or no live file before the write: as it is.
	full := errors.New("write " + live + ": no space left on device")
	if got := openCause(live, fi, full); got != full {
		t.Errorf("openCause of a write error: %v, want it as it is", got)
	}
	if got := openCause(live, nil, lj); got != lj {
		t.Errorf("openCause without a live file: %v, want lumberjack's error", got)
	}
}
