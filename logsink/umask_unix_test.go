//go:build unix

package logsink

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Compressed backups have the mode of every other log file, whatever the
// umask (lumberjack created them subject to it: 0600 under umask 077),
// those rotated before Compress was set included. The umask is
// process-wide: this test must not run in parallel with others.
func TestCompressedBackupModeIgnoresUmask(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	dir := filepath.Join(t.TempDir(), "svc")
	if err := os.Mkdir(dir, dirPerm); err != nil {
		t.Fatal(err)
	}
	// Rotated before Compress was set: compressed once the Sink opens.
	earlier := backupName(filepath.Join(dir, "stdout.log"), time.Now().Add(-time.Hour))
	if err := os.WriteFile(earlier, []byte("rotated earlier\n"), filePerm); err != nil {
		t.Fatal(err)
	}
	s := openSink(t, Options{Dir: dir, Compress: true})
	stdout, _ := pipes(t, s)
	mustWrite(t, stdout, []byte("compress me\n"))
	waitWritten(t, s, Stdout, 12)
	if err := s.Rotate(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "both backups to be compressed", func() bool {
		names := backups(t, dir, Stdout)
		return len(names) == 2 && strings.HasSuffix(names[0], compressSuffix) && strings.HasSuffix(names[1], compressSuffix)
	})
	for _, n := range backups(t, dir, Stdout) {
		checkMode(t, filepath.Join(dir, n), filePerm)
	}
	if got := string(readLogs(t, dir, Stdout)); got != "rotated earlier\ncompress me\n" {
		t.Errorf("logs = %q, want both lines", got)
	}
}

// The directories Open creates above the service's own (the log dir
// itself, on a fresh install) get the same mode whatever the umask: under
// umask 077 a 0700 log dir would keep the group from the 0640 files in it.
func TestCreatedParentDirsIgnoreUmask(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	root := filepath.Join(t.TempDir(), "logs")
	openSink(t, Options{Dir: filepath.Join(root, "svc")})
	checkMode(t, root, dirPerm)
	checkMode(t, filepath.Join(root, "svc"), dirPerm)
}
