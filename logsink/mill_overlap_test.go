package logsink

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A Sink re-created on the same directory (a reload changed its service)
// while the backup just rotated is being compressed for the Sink it replaces
// must keep that backup. With lumberjack compressing, both Sinks' goroutines
// compressed it into the same .gz at once, and the one that finished second,
// finding the plain file gone, removed the .gz: the backup was lost.
func TestReopenWhileCompressingKeepsTheBackup(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "svc")
	payload := randomBytes(7, 2<<20)
	payload[len(payload)-1] = '\n' // no line for the rotation to end
	a := openSink(t, Options{Dir: dir, Compress: true})
	stdout, _ := pipes(t, a)
	go func() { _, _ = stdout.Write(payload); _ = stdout.Close() }()
	waitWritten(t, a, Stdout, uint64(len(payload)))
	if err := a.Rotate(); err != nil { // lumberjack starts compressing it
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	b := openSink(t, Options{Dir: dir, Compress: true})
	out, _ := pipes(t, b)
	mustWrite(t, out, []byte("next\n"))
	waitWritten(t, b, Stdout, 5)
	if err := b.Rotate(); err != nil { // b's lumberjack compresses what is not yet
		t.Fatal(err)
	}
	waitFor(t, "every backup compressed or gone", func() bool {
		for _, n := range backups(t, dir, Stdout) {
			if !strings.HasSuffix(n, compressSuffix) {
				return false
			}
		}
		return true
	})
	names := backups(t, dir, Stdout)
	if len(names) != 2 {
		t.Fatalf("backups %v, want 2", names)
	}
	f, err := os.Open(filepath.Join(dir, names[0]))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("first backup: %d bytes (%v), want the %d bytes written", len(got), err, len(payload))
	}
}
