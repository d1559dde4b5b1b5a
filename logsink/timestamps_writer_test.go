package logsink

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
)

// stampedWriter returns a stdout writer with Options.Timestamps, driven
// by the test itself (pushStamped, drainAll) rather than by a Sink.
func stampedWriter(t *testing.T, o Options, wrap wrapFunc) *streamWriter {
	t.Helper()
	o.Dir = t.TempDir()
	o.Timestamps = true
	o, err := o.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	w := newStreamWriter(Stdout, o, &callbacks{}, wrap)
	t.Cleanup(func() { _ = w.out.Close() })
	return w
}

func pushStamped(t *testing.T, w *streamWriter, s string) {
	t.Helper()
	if r := w.queue.pushOver([]byte(s), 0); r != pushed {
		t.Fatalf("push: %v", r)
	}
}

func drainAll(w *streamWriter) {
	var b batch
	for w.drainOnce(&b) {
	}
}

// checkStampedFiles checks that every line of the stream's files, oldest
// first, starts with a stamp and ends with a newline, that no file
// exceeds maxSize, and that the queue holds nothing; it returns the
// lines without their stamps.
func checkStampedFiles(t *testing.T, w *streamWriter, maxSize int) []string {
	t.Helper()
	if w.queue.pending != 0 {
		t.Errorf("queue holds %d bytes, want 0", w.queue.pending)
	}
	entries, err := os.ReadDir(w.dir())
	if err != nil {
		t.Fatal(err)
	}
	var names []string // backups by their stamps, the live file last
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "stdout-") {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	var lines []string
	for _, name := range append(names, "stdout.log") {
		data, err := os.ReadFile(filepath.Join(w.dir(), name))
		if err != nil {
			t.Fatal(err)
		}
		if maxSize > 0 && len(data) > maxSize {
			t.Errorf("%s holds %d bytes, more than MaxSize %d", name, len(data), maxSize)
		}
		for line := range strings.SplitAfterSeq(string(data), "\n") {
			if line == "" {
				continue
			}
			m := stampedLine.FindStringSubmatch(strings.TrimSuffix(line, "\n"))
			if m == nil || !strings.HasSuffix(line, "\n") {
				t.Errorf("%s: line %q is not a stamped line", name, line)
				continue
			}
			lines = append(lines, m[2])
		}
	}
	return lines
}

// A rotation by size comes between stamped lines, and a line in pieces
// keeps its one stamp.
func TestTimestampsRotateBetweenLines(t *testing.T) {
	w := stampedWriter(t, Options{MaxSize: 200}, nil)
	var want []string
	for i := range 30 {
		pushStamped(t, w, "hello world line\n")
		drainAll(w)
		want = append(want, "hello world line")
		if i%3 == 0 {
			pushStamped(t, w, "piece-a ")
			drainAll(w)
			pushStamped(t, w, "piece-b\n")
			drainAll(w)
			want = append(want, "piece-a piece-b")
		}
	}
	if got := checkStampedFiles(t, w, 200); !slices.Equal(got, want) {
		t.Errorf("lines %q, want %q", got, want)
	}
}

// failAfter writes n bytes of each write then fails for a full disk,
// while n > 0.
type failAfter struct {
	out io.WriteCloser
	n   atomic.Int32
}

func (f *failAfter) Write(p []byte) (int, error) {
	if n := int(f.n.Load()); n > 0 && len(p) > 0 {
		written, _ := f.out.Write(p[:min(n, len(p))])
		return written, &fs.PathError{Op: "write", Path: "stdout.log", Err: syscall.ENOSPC}
	}
	return f.out.Write(p)
}

func (f *failAfter) Close() error { return f.out.Close() }

// The rest of a line whose start a failed write lost gets a stamp of its
// own: no line of the file lacks one.
func TestTimestampsAfterAFailedWrite(t *testing.T) {
	f := &failAfter{}
	w := stampedWriter(t, Options{}, func(_ Stream, out io.WriteCloser) io.WriteCloser { f.out = out; return f })
	pushStamped(t, w, "A\n")
	drainAll(w)
	f.n.Store(30) // the stamp, "B\n", and 3 bytes of the next stamp
	pushStamped(t, w, "B\nC-start ")
	drainAll(w)
	f.n.Store(0)
	w.retryAt = 0 // the disk has room again
	pushStamped(t, w, "C-end\nD\n")
	drainAll(w)
	if got, want := checkStampedFiles(t, w, 0), []string{"A", "B", "C-end", "D"}; !slices.Equal(got, want) {
		t.Errorf("lines %q, want %q", got, want)
	}
}
