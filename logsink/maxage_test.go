package logsink

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// MaxAge removes rotated files older than itself, however short it is, not
// older than MaxAge rounded up to whole days as lumberjack counts it:
// MaxAge=6h keeps six hours of backups, not a day.
func TestMaxAgeIsExact(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "svc")
	if err := os.Mkdir(dir, dirPerm); err != nil {
		t.Fatal(err)
	}
	live := filepath.Join(dir, "stdout.log")
	now := time.Now()
	expired := backupName(live, now.Add(-3*time.Hour))
	expiredGz := backupName(live, now.Add(-2*time.Hour)) + compressSuffix
	kept := backupName(live, now.Add(-30*time.Minute))
	for _, name := range []string{expired, expiredGz, kept} {
		if err := os.WriteFile(name, []byte("old\n"), filePerm); err != nil {
			t.Fatal(err)
		}
	}
	s := openSink(t, Options{Dir: dir, MaxAge: time.Hour})
	if exists(expired) || exists(expiredGz) || !exists(kept) {
		t.Errorf("after Open: backups %v, want only %s", backups(t, dir, Stdout), filepath.Base(kept))
	}

	// One that expires while the Sink is open goes at the next rotation.
	later := backupName(live, now.Add(-61*time.Minute))
	if err := os.WriteFile(later, []byte("old\n"), filePerm); err != nil {
		t.Fatal(err)
	}
	stdout, _ := pipes(t, s)
	mustWrite(t, stdout, []byte("new\n"))
	waitWritten(t, s, Stdout, 4)
	if err := s.Rotate(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the backup older than MaxAge to be removed", func() bool { return !exists(later) })
	names := backups(t, dir, Stdout)
	if len(names) != 2 || !slices.Contains(names, filepath.Base(kept)) {
		t.Errorf("backups %v, want %s and the new one", names, filepath.Base(kept))
	}
}
