package logsink

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// lastLines is the obvious implementation of the last n lines of data.
func lastLines(data []byte, n int) []byte {
	if n < 0 {
		return data
	}
	lines := bytes.SplitAfter(data, []byte{'\n'})
	if len(lines[len(lines)-1]) == 0 { // data ended with a newline, or is empty
		lines = lines[:len(lines)-1]
	}
	return bytes.Join(lines[len(lines)-min(n, len(lines)):], nil)
}

// writeFile writes data to a new file in a temporary directory and returns
// its path.
func writeFile(t testing.TB, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "stdout.log")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// openTail calls Tail and closes the reader at the end of the test.
func openTail(t testing.TB, ctx context.Context, path string, opts TailOptions) *TailReader {
	t.Helper()
	r, err := Tail(ctx, path, opts)
	if err != nil {
		t.Fatalf("Tail: %v", err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

// tailAll reads the last n lines of path without following.
func tailAll(t testing.TB, path string, n int) []byte {
	t.Helper()
	r := openTail(t, t.Context(), path, TailOptions{Lines: n})
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("ReadAll: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return got
}

func TestTailLines(t *testing.T) {
	tests := []struct {
		data string
		n    int
		want string
	}{
		{"", 3, ""},
		{"", -1, ""},
		{"a\nb\nc\n", 0, ""},
		{"a\nb\nc\n", 1, "c\n"},
		{"a\nb\nc\n", 2, "b\nc\n"},
		{"a\nb\nc\n", 3, "a\nb\nc\n"},
		{"a\nb\nc\n", 10, "a\nb\nc\n"},
		{"a\nb\nc\n", -1, "a\nb\nc\n"},
		{"a\nb\nc", 1, "c"}, // a final line without a newline counts
		{"a\nb\nc", 2, "b\nc"},
		{"a\nb\nc", 0, ""},
		{"no newline at all", 1, "no newline at all"},
		{"\n", 1, "\n"},
		{"\n\n\n", 2, "\n\n"},
		{"a\n\nb\n", 2, "\nb\n"},
		{"a\r\nb\r\n", 1, "b\r\n"},
		{"x\x00\xff\n\x00\n\xfe", 2, "\x00\n\xfe"},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%q/%d", tc.data, tc.n), func(t *testing.T) {
			if got := tailAll(t, writeFile(t, []byte(tc.data)), tc.n); string(got) != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// Lines longer than the blocks read backwards, and many short ones, across
// block boundaries.
func TestTailLargeFile(t *testing.T) {
	t.Parallel()
	var data []byte
	for i := range 40000 {
		switch {
		case i%10000 == 5000:
			data = append(data, bytes.Repeat([]byte{'L'}, 3*tailBlock+17)...)
		case i%997 == 0:
			data = append(data, bytes.Repeat([]byte{'m'}, (i*131)%(tailBlock+1000))...)
		default:
			data = fmt.Appendf(data, "line %d", i)
		}
		data = append(data, '\n')
	}
	data = append(data, "partial"...)
	t.Logf("%d bytes", len(data))
	path := writeFile(t, data)
	for _, n := range []int{1, 2, 3, 100, 4999, 5000, 5001, 39999, 40000, 40001, 40002, 1 << 30, -1} {
		if got, want := tailAll(t, path, n), lastLines(data, n); !bytes.Equal(got, want) {
			t.Errorf("n=%d: got %d bytes, want %d; first difference at %d", n, len(got), len(want), firstDiff(got, want))
		}
	}
}

func TestTailBinary(t *testing.T) {
	t.Parallel()
	data := randomBytes(42, 1<<20) // about 4096 newlines, NULs, invalid UTF-8
	for _, trailing := range []bool{false, true} {
		d := data
		if trailing {
			d = append(bytes.Clone(data), '\n')
		}
		path := writeFile(t, d)
		for _, n := range []int{1, 10, 1000, 4000, 5000, -1} {
			if got, want := tailAll(t, path, n), lastLines(d, n); !bytes.Equal(got, want) {
				t.Errorf("trailing newline %v, n=%d: got %d bytes, want %d; first difference at %d",
					trailing, n, len(got), len(want), firstDiff(got, want))
			}
		}
	}
}

// Without Follow the reader ends where the file ended at Tail.
func TestTailWithoutFollowEndsAtTheEndSeenFirst(t *testing.T) {
	path := writeFile(t, []byte("a\nb\n"))
	r := openTail(t, t.Context(), path, TailOptions{Lines: -1})
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString("c\n"); err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(r); err != nil || string(got) != "a\nb\n" {
		t.Errorf("ReadAll = %q, %v; want %q", got, err, "a\nb\n")
	}
}

// A service that never wrote has no output.
func TestTailMissingFileIsEmpty(t *testing.T) {
	for _, path := range []string{
		filepath.Join(t.TempDir(), "stdout.log"),
		filepath.Join(t.TempDir(), "no", "such", "dir", "stdout.log"),
	} {
		if got := tailAll(t, path, 10); len(got) != 0 {
			t.Errorf("%s: got %q, want nothing", path, got)
		}
	}
}

func TestTailErrors(t *testing.T) {
	if _, err := Tail(t.Context(), "", TailOptions{}); err == nil {
		t.Error("Tail with an empty path succeeded")
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	path := writeFile(t, []byte("x\n"))
	if _, err := Tail(ctx, path, TailOptions{Lines: 1, Follow: true}); !errors.Is(err, context.Canceled) {
		t.Errorf("Tail with an ended context: %v, want context.Canceled", err)
	}
	if _, err := Tail(t.Context(), filepath.Dir(path), TailOptions{Lines: 1}); !errors.Is(err, ErrUnsafeFile) {
		t.Errorf("Tail of a directory: %v, want ErrUnsafeFile", err)
	}
}

func TestTailReadAfterClose(t *testing.T) {
	r := openTail(t, t.Context(), writeFile(t, []byte("a\n")), TailOptions{Lines: 1})
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if n, err := r.Read(make([]byte, 10)); n != 0 || err != io.EOF {
		t.Errorf("Read after Close = %d, %v; want 0, EOF", n, err)
	}
	if err := r.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestBackupNaming(t *testing.T) {
	n := newBackupNaming(filepath.Join("dir", "stdout.log"))
	for _, tc := range []struct {
		name  string
		stamp string
		gz    bool
		ok    bool
	}{
		{"stdout-2024-01-02T03-04-05.678.log", "2024-01-02T03-04-05.678", false, true},
		{"stdout-2024-01-02T03-04-05.678.log.gz", "2024-01-02T03-04-05.678", true, true},
		{"stdout.log", "", false, false},
		{"stderr-2024-01-02T03-04-05.678.log", "", false, false},
		{"stdout-2024-01-02T03-04-05.log", "", false, false},
		{"stdout-x.log", "", false, false},
		{"stdout-2024-01-02T03-04-05.678.txt", "", false, false},
	} {
		stamp, gz, ok := n.parse(tc.name)
		if stamp != tc.stamp || gz != tc.gz || ok != tc.ok {
			t.Errorf("parse(%q) = %q, %v, %v; want %q, %v, %v", tc.name, stamp, gz, ok, tc.stamp, tc.gz, tc.ok)
		}
		if ok && n.name(stamp, gz) != tc.name {
			t.Errorf("name(%q, %v) = %q, want %q", stamp, gz, n.name(stamp, gz), tc.name)
		}
	}
	when := time.Date(2024, 1, 2, 3, 4, 5, 678e6, time.UTC)
	if got, want := backupName("stdout.log", when), n.name("2024-01-02T03-04-05.678", false); got != want {
		t.Errorf("the Sink names a backup %q, Tail expects %q", got, want)
	}
}
