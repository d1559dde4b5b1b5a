package logsink

import (
	"math"
	"os"
	"path/filepath"
	"testing"
)

// A MaxSize near the largest int64, as one who wants no rotation by size
// writes it ("8796093022207M"), overflowed lumberjack's own limit, set
// above it: every write was refused ("exceeds maximum file size
// -9223372036853727232") and the output dropped.
func TestHugeMaxSizeKeepsTheOutput(t *testing.T) {
	t.Parallel()
	for _, maxSize := range []int64{8796093022206 << 20, 8796093022207 << 20, math.MaxInt64} {
		s := openSink(t, Options{MaxSize: maxSize})
		stdout, _ := pipes(t, s)
		mustWrite(t, stdout, []byte("hello\n"))
		_ = stdout.Close()
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(filepath.Dir(s.Path(Stdout)), "stdout.log"))
		if err != nil || string(got) != "hello\n" {
			t.Errorf("MaxSize %d: stdout.log %q, %v; want %q", maxSize, got, err, "hello\n")
		}
		if st := s.Stats().Stdout; st.BytesDropped != 0 || st.LastError != "" {
			t.Errorf("MaxSize %d: stats %+v", maxSize, st)
		}
	}
	for in, want := range map[int64]int{1 << 20: 3, 50 << 20: 52, math.MaxInt64: min(math.MaxInt64>>20, math.MaxInt)} {
		if got := lumberjackMaxSize(in); got != want {
			t.Errorf("lumberjackMaxSize(%d) = %d, want %d", in, got, want)
		}
	}
}
