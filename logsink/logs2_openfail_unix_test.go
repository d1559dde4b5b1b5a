//go:build unix

package logsink

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A log file that cannot be opened for lack of a descriptor (superd at
// its RLIMIT_NOFILE) is not rotated: lumberjack, when it cannot open the
// live file, renames it to a backup of its own and opens a new one, so
// each failed open made one more backup and MaxBackups removed the real
// ones. The output written meanwhile is dropped and counted, and once
// descriptors are free again it goes on in the same live file, the
// backups as they were.
//
// It changes RLIMIT_NOFILE, which is process-wide: it must not run in
// parallel with other tests.
func TestOpenFailureMakesNoBackup(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "svc")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	olds := []string{"stdout-2020-01-01T00-00-00.000.log", "stdout-2020-01-02T00-00-00.000.log"}
	for _, name := range olds {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(name+"\n"), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	live := filepath.Join(dir, "stdout.log")
	if err := os.WriteFile(live, []byte("before\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	s := openSink(t, Options{Dir: dir, MaxBackups: len(olds)})
	stdout, _ := pipes(t, s)

	fillers := exhaustDescriptors(t)
	mustWrite(t, stdout, []byte("lost\n"))
	waitFor(t, "the write without a descriptor dropped", func() bool {
		return s.Stats().Stream(Stdout).BytesDropped >= 5
	})
	for _, f := range fillers {
		_ = f.Close()
	}

	// Writes within resourceRetry of the failure are dropped without
	// trying: write until one is written.
	n := 0
	for s.Stats().Stream(Stdout).BytesWritten == 0 {
		mustWrite(t, stdout, []byte("after\n"))
		n++
		waitFor(t, "the write taken", func() bool {
			st := s.Stats().Stream(Stdout)
			return st.BytesWritten+st.BytesDropped >= uint64(5+6*n)
		})
	}
	got, err := os.ReadFile(live)
	rest, ok := strings.CutPrefix(string(got), "before\n")
	if err != nil || !ok || rest == "" || strings.ReplaceAll(rest, "after\n", "") != "" {
		t.Errorf("stdout.log: %q, %v; want %q and what came after", got, err, "before\n")
	}
	if got := backups(t, dir, Stdout); !slices.Equal(got, olds) {
		t.Errorf("backups %v; want %v, as they were", got, olds)
	}
}
