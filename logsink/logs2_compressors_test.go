package logsink

import (
	"path/filepath"
	"strings"
	"testing"
)

// compressionWaiting waits until a compression waits for a place among
// its Compressors.
func compressionWaiting(t *testing.T) {
	t.Helper()
	waitFor(t, "a compression waiting for a place", func() bool {
		return countGoroutines("logsink.(*Compressors).enter(") > 0
	})
}

// rotatedOnce writes a line to s's stdout, rotates it, and returns the
// name of the one rotated file.
func rotatedOnce(t *testing.T, s *Sink, dir string) string {
	t.Helper()
	stdout, _ := pipes(t, s)
	mustWrite(t, stdout, []byte("rotated\n"))
	waitWritten(t, s, Stdout, 8)
	if err := s.Rotate(); err != nil {
		t.Fatal(err)
	}
	b := backups(t, dir, Stdout)
	if len(b) != 1 {
		t.Fatalf("backups %v; want one", b)
	}
	return b[0]
}

// Compressions wait for a place among the Compressors their Sinks share:
// a rotated file stays plain until one is free, then is compressed.
func TestCompressorsBoundCompressions(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "svc")
	limit := NewCompressors(1)
	limit.slots <- struct{}{} // the one place, taken
	s := openSink(t, Options{Dir: dir, Compress: true, Compressors: limit})
	plain := rotatedOnce(t, s, dir)
	compressionWaiting(t)
	if b := backups(t, dir, Stdout); len(b) != 1 || b[0] != plain {
		t.Fatalf("backups %v while no place is free; want %s alone, plain", b, plain)
	}

	<-limit.slots
	waitFor(t, "the rotated file compressed", func() bool {
		b := backups(t, dir, Stdout)
		return len(b) == 1 && b[0] == plain+compressSuffix
	})
	if n := len(limit.slots); n != 0 {
		t.Errorf("%d places still taken once the compression is over", n)
	}
}

// Close does not wait for a place: a compression waiting for one ends,
// its file left plain for the next Sink.
func TestCompressorsCloseEndsTheWait(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "svc")
	limit := NewCompressors(1)
	limit.slots <- struct{}{}
	s := openSink(t, Options{Dir: dir, Compress: true, Compressors: limit})
	plain := rotatedOnce(t, s, dir)
	compressionWaiting(t)

	closeWithin(t, s, "Close waits for a compression that waits for a place")
	if b := backups(t, dir, Stdout); len(b) != 1 || b[0] != plain || strings.HasSuffix(b[0], compressSuffix) {
		t.Errorf("backups %v after Close; want %s, plain", b, plain)
	}
	if n := countGoroutines("logsink.(*Compressors).enter("); n != 0 {
		t.Errorf("%d compressions still waiting after Close", n)
	}
}
