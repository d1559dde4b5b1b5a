package logsink

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A rotation by size comes between two lines when a line ends in the room
// left in the live file: a line that the service wrote in two pieces (a
// pipe read, or the coalescing of chunks, can end anywhere in a line) is
// not split between two files when it fits in the first. grep and tail on
// the rotated files see whole lines.
func TestSizeRotationKeepsLinesWhole(t *testing.T) {
	bothModes(t, func(t *testing.T, p *Poller) {
		const maxSize = 1000
		s := openSink(t, Options{MaxSize: maxSize, Poller: p})
		stdout, _ := pipes(t, s)
		line := append(bytes.Repeat([]byte("a"), 59), '\n')
		first := append(bytes.Repeat(line, 15), bytes.Repeat([]byte("b"), 50)...) // 950 bytes, ends in a line
		second := append(bytes.Repeat([]byte("b"), 9), '\n')                      // the line's end: it fits
		second = append(second, bytes.Repeat(line, 5)...)                         // 310 bytes: past MaxSize
		mustWrite(t, stdout, first)
		waitWritten(t, s, Stdout, uint64(len(first)))
		mustWrite(t, stdout, second)
		waitWritten(t, s, Stdout, uint64(len(first)+len(second)))

		old := onlyBackup(t, s)
		if want := append(first, second[:10]...); !bytes.Equal(old, want) {
			t.Errorf("rotated file: %d bytes ending in %q, want %d ending in %q", len(old), old[max(0, len(old)-12):], len(want), want[len(want)-12:])
		}
		if b, err := os.ReadFile(s.Path(Stdout)); err != nil || !bytes.Equal(b, second[10:]) {
			t.Errorf("stdout.log = %d bytes starting with %q (%v), want the %d bytes of the 5 lines after", len(b), b[:min(len(b), 12)], err, len(second)-10)
		}
	})
}

// Pipe reads come in multiples of the page size, and MaxSize is whole MiB:
// a write that fills the file exactly up to MaxSize in the middle of a line
// is cut after its last line too, since the line's end cannot fit.
func TestSizeRotationKeepsLinesWholeAtExactFill(t *testing.T) {
	bothModes(t, func(t *testing.T, p *Poller) {
		const maxSize = 1000
		s := openSink(t, Options{MaxSize: maxSize, Poller: p})
		stdout, _ := pipes(t, s)
		line := append(bytes.Repeat([]byte("a"), 59), '\n')
		first := bytes.Repeat(line, 10)                                           // 600 bytes
		second := append(bytes.Repeat(line, 6), bytes.Repeat([]byte("b"), 40)...) // 400: the file is full, mid-line
		third := []byte("bbbb\n")
		var n uint64
		for _, b := range [][]byte{first, second, third} {
			mustWrite(t, stdout, b)
			n += uint64(len(b))
			waitWritten(t, s, Stdout, n)
		}
		old := onlyBackup(t, s)
		if want := bytes.Repeat(line, 16); !bytes.Equal(old, want) {
			t.Errorf("rotated file: %d bytes ending in %q, want the %d bytes of 16 whole lines", len(old), old[max(0, len(old)-12):], len(want))
		}
		if b, err := os.ReadFile(s.Path(Stdout)); err != nil || string(b) != strings.Repeat("b", 44)+"\n" {
			t.Errorf("stdout.log = %q (%v), want the whole last line", b, err)
		}
	})
}

// onlyBackup returns the content of s's one rotated stdout file.
func onlyBackup(t *testing.T, s *Sink) []byte {
	t.Helper()
	dir := filepath.Dir(s.Path(Stdout))
	names := backups(t, dir, Stdout)
	if len(names) != 1 {
		t.Fatalf("backups %v, want one", names)
	}
	old, err := os.ReadFile(filepath.Join(dir, names[0]))
	if err != nil {
		t.Fatal(err)
	}
	return old
}
