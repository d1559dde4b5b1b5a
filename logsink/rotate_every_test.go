package logsink

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A Sink opened again (superd restarted, the service re-created by a
// reload) keeps the RotateEvery schedule of the files it finds: a live file
// that has been live for longer than RotateEvery, as the stamp of its
// stream's newest backup tells, is rotated at once rather than a whole
// period later. Otherwise a superd restarted more often than RotateEvery
// would never rotate by time.
func TestRotateEveryKeepsScheduleAcrossReopen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "svc")
	if err := os.Mkdir(dir, dirPerm); err != nil {
		t.Fatal(err)
	}
	live := filepath.Join(dir, "stdout.log")
	if err := os.WriteFile(live, []byte("live for two hours\n"), filePerm); err != nil {
		t.Fatal(err)
	}
	old := backupName(live, time.Now().Add(-2*time.Hour))
	if err := os.WriteFile(old, []byte("rotated two hours ago\n"), filePerm); err != nil {
		t.Fatal(err)
	}
	s := openSink(t, Options{Dir: dir, RotateEvery: time.Hour})
	waitFor(t, "the overdue stdout.log to be rotated", func() bool { return len(backups(t, dir, Stdout)) == 2 })
	names := backups(t, dir, Stdout)
	if b, err := os.ReadFile(filepath.Join(dir, names[1])); err != nil || string(b) != "live for two hours\n" {
		t.Errorf("%s = %q (%v), want the old live file", names[1], b, err)
	}
	if b, err := os.ReadFile(s.Path(Stdout)); err != nil || len(b) != 0 {
		t.Errorf("stdout.log = %q (%v), want a new empty file", b, err)
	}
}

// A live file never rotated is as old as the file itself: a Sink opened on
// a file created just now does not rotate it before RotateEvery.
func TestRotateEveryNewFileWaitsAPeriod(t *testing.T) {
	s := openSink(t, Options{RotateEvery: time.Hour})
	stdout, _ := pipes(t, s)
	mustWrite(t, stdout, []byte("fresh\n"))
	waitWritten(t, s, Stdout, 6)
	if got := backups(t, filepath.Dir(s.Path(Stdout)), Stdout); len(got) != 0 {
		t.Errorf("a file created now was rotated: %v", got)
	}
}
