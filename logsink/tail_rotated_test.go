//go:build unix

package logsink

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// rotatedStream writes to a Sink's stdout through rotations and remembers
// the whole stream.
type rotatedStream struct {
	s   *Sink
	out interface{ Write([]byte) (int, error) }
	all []byte
}

func (w *rotatedStream) write(t *testing.T, p string) {
	t.Helper()
	if _, err := w.out.Write([]byte(p)); err != nil {
		t.Fatal(err)
	}
	w.all = append(w.all, p...)
	waitWritten(t, w.s, Stdout, uint64(len(w.all)))
}

func (w *rotatedStream) rotate(t *testing.T) {
	t.Helper()
	if err := w.s.Rotate(); err != nil {
		t.Fatalf("Rotate: %v", err)
	}
}

// checkTail checks the last n lines of the stream for several n.
func (w *rotatedStream) checkTail(t *testing.T, when string) {
	t.Helper()
	for _, n := range []int{0, 1, 2, 3, 4, 5, 6, 10, 21, 26, 27, 28, 30, 100, -1} {
		if got, want := tailAll(t, w.s.Path(Stdout), n), lastLines(w.all, n); string(got) != string(want) {
			t.Errorf("%s: last %d lines: got %q, want %q", when, n, got, want)
		}
	}
}

// The last lines of a log are those of the stream, across the live file and
// as many rotated files (plain or compressed) as they take: right after a
// rotation, the live file is empty but the lines are in the newest backup.
func TestTailAcrossRotations(t *testing.T) {
	t.Parallel()
	for _, compress := range []bool{false, true} {
		t.Run(fmt.Sprintf("compress=%v", compress), func(t *testing.T) {
			s := openSink(t, Options{Compress: compress})
			stdout, _ := pipes(t, s)
			w := &rotatedStream{s: s, out: stdout}
			for i := 1; i <= 20; i++ {
				w.write(t, fmt.Sprintf("line %d\n", i))
			}
			w.rotate(t)
			w.checkTail(t, "after a rotation")
			w.write(t, "line 21\nline 22\n\nline 24\nhalf of line ")
			w.rotate(t) // splits a line
			w.write(t, "25\nline 26\n")
			w.rotate(t)
			if compress {
				waitCompressed(t, filepath.Dir(s.Path(Stdout)))
			}
			w.checkTail(t, "after three rotations")
			w.write(t, "line 27\nline 28 without a newline")
			w.checkTail(t, "with a partial last line")

			// A follower starts at the same place.
			c := collect(t, openTail(t, t.Context(), s.Path(Stdout), TailOptions{Lines: 6, Follow: true}))
			want := lastLines(w.all, 6)
			c.expect(t, want)
			w.write(t, "\nline 29\n")
			w.rotate(t)
			w.write(t, "line 30\n")
			c.expect(t, append(want, "\nline 29\nline 30\n"...))
		})
	}
}

// Looking for the last lines stops once the rotated files looked through
// hold the lookback: the answer then starts with the last file looked at.
func TestTailLookbackIsBounded(t *testing.T) {
	t.Parallel()
	s := openSink(t, Options{})
	stdout, _ := pipes(t, s)
	w := &rotatedStream{s: s, out: stdout}
	for _, part := range []string{"a1\na2\n", "b1\nb2\n", "c1\nc2\n", "live\n"} {
		w.write(t, part)
		if part != "live\n" {
			w.rotate(t)
		}
	}
	for _, tc := range []struct {
		lines    int
		lookback int64
		want     string
	}{
		{2, 1, "c2\nlive\n"},     // the newest rotated file holds enough
		{4, 1, "c1\nc2\nlive\n"}, // it does not: stop after it all the same
		{4, 7, "b2\nc1\nc2\nlive\n"},
		{5, 7, "b1\nb2\nc1\nc2\nlive\n"},
		{6, 7, "b1\nb2\nc1\nc2\nlive\n"},
		{100, 12, "b1\nb2\nc1\nc2\nlive\n"},
		{100, 13, "a1\na2\nb1\nb2\nc1\nc2\nlive\n"},
		{-1, 1, "a1\na2\nb1\nb2\nc1\nc2\nlive\n"}, // all is all
	} {
		r := openTail(t, t.Context(), s.Path(Stdout), TailOptions{Lines: tc.lines, lookback: tc.lookback})
		got, err := io.ReadAll(r)
		if err != nil || string(got) != tc.want {
			t.Errorf("last %d lines, lookback %d: got %q, %v; want %q", tc.lines, tc.lookback, got, err, tc.want)
		}
	}
}

// Tails taken while the Sink rotates again and again see the stream whole:
// no rotated file twice, none missing, also while they are compressed.
func TestTailWhileRotating(t *testing.T) {
	t.Parallel()
	for _, compress := range []bool{false, true} {
		t.Run(fmt.Sprintf("compress=%v", compress), func(t *testing.T) {
			s := openSink(t, Options{MaxSize: 4 << 10, Compress: compress})
			stdout, _ := pipes(t, s)
			var all []byte
			for i := range 20000 {
				all = fmt.Appendf(all, "line %d\n", i)
			}
			written := make(chan struct{})
			go func() {
				defer close(written)
				for rest := all; len(rest) > 0; {
					n := min(len(rest), 300)
					if _, err := stdout.Write(rest[:n]); err != nil {
						return
					}
					rest = rest[n:]
				}
			}()
			for done := false; !done; {
				select {
				case <-written:
					done = true
				default:
				}
				got := tailAll(t, s.Path(Stdout), -1)
				if len(got) > len(all) || string(got) != string(all[:len(got)]) {
					t.Fatalf("tail of all while rotating: %d bytes, not the start of the stream; first difference at %d",
						len(got), firstDiff(got, all))
				}
			}
			waitWritten(t, s, Stdout, uint64(len(all)))
			if got := tailAll(t, s.Path(Stdout), -1); string(got) != string(all) {
				t.Fatalf("tail of all: %d bytes, want %d; first difference at %d", len(got), len(all), firstDiff(got, all))
			}
		})
	}
}

// A rotated file removed (MaxBackups, MaxAge) after Tail but before it is
// read is skipped: the rest of the answer still comes.
func TestTailSkipsRotatedFileRemovedMeanwhile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "stdout.log")
	n := newBackupNaming(path)
	for i, stamp := range []string{"2024-01-02T03-04-05.001", "2024-01-02T03-04-05.002"} {
		if err := os.WriteFile(filepath.Join(dir, n.name(stamp, false)), fmt.Appendf(nil, "old %d\n", i), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(path, []byte("live\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := openTail(t, t.Context(), path, TailOptions{Lines: -1})
	if err := os.Remove(filepath.Join(dir, n.name("2024-01-02T03-04-05.002", false))); err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(r); err != nil || string(got) != "old 0\nlive\n" {
		t.Errorf("ReadAll = %q, %v; want %q", got, err, "old 0\nlive\n")
	}
}
