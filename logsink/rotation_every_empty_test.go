package logsink

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// An empty live file is never rotated, so its age must not bring the
// RotateEvery timer forward: a service that wrote to stderr once, long ago,
// and has written nothing there since, must not have its stdout rotated
// each time the Sink is opened again (each superd restart), in the middle
// of stdout's period.
func TestRotateEveryIgnoresEmptyLiveFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "svc")
	if err := os.Mkdir(dir, dirPerm); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	files := map[string]string{
		filepath.Join(dir, "stdout.log"):                                    "live for a minute\n",
		backupName(filepath.Join(dir, "stdout.log"), now.Add(-time.Minute)): "rotated a minute ago\n",
		filepath.Join(dir, "stderr.log"):                                    "",
		backupName(filepath.Join(dir, "stderr.log"), now.Add(-2*time.Hour)): "rotated two hours ago\n",
	}
	for name, content := range files {
		if err := os.WriteFile(name, []byte(content), filePerm); err != nil {
			t.Fatal(err)
		}
	}
	s := openSink(t, Options{Dir: dir, RotateEvery: time.Hour})
	if first := s.firstTick(time.Now()); first < 50*time.Minute {
		t.Errorf("first RotateEvery tick in %s, want about 59m: stdout.log has been live for a minute, and stderr.log is empty", first)
	}
}
