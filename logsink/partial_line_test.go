package logsink

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// shortDisk is a log file on a disk that has room bytes left while limited
// is set: a write takes what fits, as write(2) does on a full disk, then
// fails with ENOSPC.
type shortDisk struct {
	out io.WriteCloser // the stream's lumberjack logger: the real file

	mu      sync.Mutex
	limited bool
	room    int
	// interfere, if not nil, is called (with mu held) when a write is cut
	// short, after the piece that fits is written and before the write
	// returns ENOSPC: what someone else might do to the file meanwhile.
	interfere func()
}

func (d *shortDisk) Write(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.limited {
		return d.out.Write(p)
	}
	n, err := d.out.Write(p[:min(len(p), d.room)])
	d.room -= n
	if err == nil && n < len(p) {
		if d.interfere != nil {
			d.interfere()
		}
		err = &fs.PathError{Op: "write", Path: "stdout.log", Err: syscall.ENOSPC}
	}
	return n, err
}

func (d *shortDisk) Close() error { return d.out.Close() }

func (d *shortDisk) free() {
	d.mu.Lock()
	d.limited = false
	d.mu.Unlock()
}

func (d *shortDisk) wrap(st Stream, out io.WriteCloser) io.WriteCloser {
	if st != Stdout {
		return out
	}
	d.out = out
	return d
}

// numberedLine is line i of the tests' output: 100 bytes, numbered.
func numberedLine(i int) []byte {
	return fmt.Appendf(nil, "%04d %s\n", i, strings.Repeat("x", 94))
}

// A full disk takes a write up to its last free block, mostly in the
// middle of a line. The piece used to stay in the file, counted as
// written: the first line written once there was room again was glued to
// it, and the bytes dropped fell short of those missing from the file by
// the piece (QA, a 1 MiB tmpfs: 53,532 bytes of lines missing, 53,282
// dropped). The writer now cuts the file back to the last whole line and
// counts the piece as dropped: the file holds whole lines only, and
// BytesDropped is exactly what is missing from it, which OnResume tells
// once writing resumes.
func TestWriteCutShortLeavesNoPieceOfALine(t *testing.T) {
	bothModes(t, testWriteCutShortLeavesNoPieceOfALine)
}

func testWriteCutShortLeavesNoPieceOfALine(t *testing.T, p *Poller) {
	const lineLen = 100
	disk := &shortDisk{limited: true, room: 2*lineLen + lineLen/2} // lines 0 and 1, half of line 2
	dir := filepath.Join(t.TempDir(), "svc")
	var (
		mu      sync.Mutex
		resumed []Resumption
	)
	onResume := func(st Stream, r Resumption) {
		mu.Lock()
		defer mu.Unlock()
		resumed = append(resumed, r)
	}
	s := openWrapped(t, Options{Dir: dir, Poller: p, OnResume: onResume}, disk.wrap)
	stdout, _ := pipes(t, s)

	var burst []byte
	for i := range 10 {
		burst = append(burst, numberedLine(i)...)
	}
	mustWrite(t, stdout, burst) // one write: one chunk, lines 0 to 9
	sent := uint64(len(burst))
	handled := func() bool {
		st := s.Stats().Stdout
		return st.BytesWritten+st.BytesDropped == sent
	}
	waitFor(t, "the lines written or dropped", handled)
	if st := s.Stats().Stdout; st.BytesWritten != 2*lineLen || st.BytesDropped != 8*lineLen {
		t.Errorf("on the full disk: %d bytes written, %d dropped; want %d and %d (lines 0 and 1 whole, the piece of line 2 cut off)",
			st.BytesWritten, st.BytesDropped, 2*lineLen, 8*lineLen)
	}
	path := filepath.Join(dir, "stdout.log")
	if got, want := mustRead(t, path), burst[:2*lineLen]; !bytes.Equal(got, want) {
		t.Errorf("on the full disk, stdout.log holds %q; want lines 0 and 1 only", got)
	}

	// Room again: the writes of the next resourceRetry are dropped without
	// trying, then writing resumes.
	disk.free()
	next, before := 10, s.Stats().Stdout.BytesWritten
	waitFor(t, "writing to resume", func() bool {
		mustWrite(t, stdout, numberedLine(next))
		next++
		sent += lineLen
		return s.Stats().Stdout.BytesWritten > before
	})
	waitFor(t, "the lines written or dropped", handled)

	got := mustRead(t, path)
	lines := bytes.SplitAfter(got, []byte("\n"))
	if len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	last := -1
	for _, line := range lines {
		i, err := strconv.Atoi(string(line[:min(4, len(line))]))
		if err != nil || i <= last || !bytes.Equal(line, numberedLine(i)) {
			t.Fatalf("stdout.log has the line %q after line %d; want whole numbered lines, in order", line, last)
		}
		last = i
	}
	if last != next-1 {
		t.Errorf("the last line in stdout.log is %d; want %d, the last sent", last, next-1)
	}
	st := s.Stats().Stdout
	missing := sent - uint64(len(got))
	if st.BytesWritten != uint64(len(got)) || st.BytesDropped != missing {
		t.Errorf("%d bytes written, %d dropped; want %d, the size of stdout.log, and %d, the bytes sent missing from it",
			st.BytesWritten, st.BytesDropped, len(got), missing)
	}
	// Told a second after the warning at the latest.
	waitFor(t, "OnResume", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(resumed) > 0
	})
	mu.Lock()
	defer mu.Unlock()
	if len(resumed) != 1 || resumed[0].Dropped != missing || resumed[0].TotalDropped != missing {
		t.Errorf("OnResume got %+v; want one call, %d bytes dropped", resumed, missing)
	}
}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
