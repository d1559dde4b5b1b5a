package logsink

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A rotation after the clock was set back (a clock ahead corrected, a
// backup made while it was ahead) still names its file after every backup
// there is: the stamps give the order in which supers logs reads them and
// MaxBackups removes them, so a file named before an older one was taken
// for older, read first and removed first.
func TestRotationAfterClockSetBack(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "svc")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	ahead := filepath.Base(backupName(filepath.Join(dir, "stdout.log"), time.Now().Add(time.Hour)))
	if err := os.WriteFile(filepath.Join(dir, ahead), []byte("older\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	s := openSink(t, Options{Dir: dir, MaxBackups: 1})
	stdout, _ := pipes(t, s)
	mustWrite(t, stdout, []byte("newer\n"))
	waitWritten(t, s, Stdout, 6)
	if err := s.Rotate(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "MaxBackups applied", func() bool { return len(backups(t, dir, Stdout)) == 1 })
	b := backups(t, dir, Stdout)
	if got, err := os.ReadFile(filepath.Join(dir, b[0])); err != nil || string(got) != "newer\n" {
		t.Errorf("the backup kept, %s: %q, %v; want the one just rotated, %q", b[0], got, err, "newer\n")
	}
	if got := tailAll(t, filepath.Join(dir, "stdout.log"), 1); string(got) != "newer\n" {
		t.Errorf("last line %q; want %q", got, "newer\n")
	}
}
