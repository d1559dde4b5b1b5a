package logsink

import (
	"io"
	"io/fs"
	"os"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// fullDisk is a log file on a disk that is full while full is set: its
// writes fail with ENOSPC. It counts the writes tried.
type fullDisk struct {
	full  atomic.Bool
	tries atomic.Int64
}

func (d *fullDisk) Write(p []byte) (int, error) {
	d.tries.Add(1)
	if d.full.Load() {
		return 0, &fs.PathError{Op: "write", Path: "stdout.log", Err: syscall.ENOSPC}
	}
	return len(p), nil
}

func (d *fullDisk) Close() error { return nil }

func (d *fullDisk) wrap(st Stream, out io.WriteCloser) io.WriteCloser {
	if st != Stdout {
		return out
	}
	return d
}

// Dropping output because the disk is full costs less than writing it: the
// writer does not open the file again and try each chunk (a dozen system
// calls), which made superd spend more CPU on a full disk than on a
// working one and slowed the child down. It tries again at most every
// resourceRetry, and writes again once there is room.
func TestFullDiskIsNotRetriedForEachChunk(t *testing.T) {
	bothModes(t, testFullDiskIsNotRetriedForEachChunk)
}

func testFullDiskIsNotRetriedForEachChunk(t *testing.T, p *Poller) {
	var disk fullDisk
	disk.full.Store(true)
	var log errorLog
	s := openWrapped(t, Options{OnError: log.onError, Poller: p}, disk.wrap)
	stdout, _ := pipes(t, s)

	const size = 256 * chunkSize
	start := time.Now()
	mustWrite(t, stdout, make([]byte, size))
	waitFor(t, "the output dropped", func() bool { return s.Stats().Stdout.BytesDropped >= size })
	elapsed := time.Since(start)
	if most := 2 + int64(elapsed/resourceRetry); disk.tries.Load() > most {
		t.Errorf("%d writes tried in %s for %d chunks dropped; want at most %d (one per %s)",
			disk.tries.Load(), elapsed.Round(time.Millisecond), size/chunkSize, most, resourceRetry)
	}
	if st := s.Stats().Stdout; st.BytesWritten != 0 || st.BytesDropped != size {
		t.Errorf("stats %+v; want %d bytes dropped, none written", st, size)
	}
	if !log.has(Stdout, func(err error) bool { return shortOfResource(err) }) {
		t.Errorf("OnError got %v; want ENOSPC reported", log.errs)
	}

	disk.full.Store(false)
	waitFor(t, "writing to resume", func() bool {
		mustWrite(t, stdout, []byte("x\n"))
		return s.Stats().Stdout.BytesWritten > 0
	})
}

// The last count of output dropped is always reported: OnError is called
// at most once a second, and output dropped after the last call (the rest
// of a burst, the writes not even tried for resourceRetry after a full
// disk) went unreported when the trouble ended within the second. A
// trailing call reports it, then the calls stop; closing the Sink
// reports what is still owed.
func TestLastDroppedCountIsReported(t *testing.T) {
	bothModes(t, testLastDroppedCountIsReported)
}

func testLastDroppedCountIsReported(t *testing.T, p *Poller) {
	var disk fullDisk
	disk.full.Store(true)
	var (
		sink atomic.Pointer[Sink]
		mu   sync.Mutex
		seen []uint64 // BytesDropped when OnError was called for stdout
	)
	onError := func(st Stream, _ error) {
		if s := sink.Load(); s != nil && st == Stdout {
			mu.Lock()
			seen = append(seen, s.Stats().Stdout.BytesDropped)
			mu.Unlock()
		}
	}
	s := openWrapped(t, Options{OnError: onError, Poller: p}, disk.wrap)
	sink.Store(s)
	stdout, _ := pipes(t, s)

	const size = 64 * chunkSize
	mustWrite(t, stdout, make([]byte, size))
	waitFor(t, "the output dropped", func() bool { return s.Stats().Stdout.BytesDropped >= size })
	disk.full.Store(false)
	waitFor(t, "OnError told the final count", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(seen) > 0 && seen[len(seen)-1] == size
	})
	w := s.streams[Stdout]
	waitFor(t, "the trailing calls to stop", func() bool {
		w.stats.mu.Lock()
		defer w.stats.mu.Unlock()
		return w.stats.errs.trailer == nil
	})
}

// With Options.Timestamps, a line written in pieces while the disk is full
// is counted as the file misses it: its bytes and one stamp. The piece
// after a lost one starts with a stamp of its own (no line of the file
// lacks one), which it used to count too, once per piece dropped.
func TestStampedLineInPiecesDroppedOnce(t *testing.T) {
	var disk fullDisk
	disk.full.Store(true)
	s := openWrapped(t, Options{Timestamps: true}, disk.wrap)
	stdout, _ := pipes(t, s)
	if n := len(appendStamp(nil, time.Now())); n != stampLen {
		t.Fatalf("a stamp is %d bytes, stampLen %d", n, stampLen)
	}
	mustWrite(t, stdout, []byte("abc"))
	waitFor(t, "the line's start dropped", func() bool { return s.Stats().Stdout.BytesDropped > 0 })
	// Its stamp counts once the line's end is lost too (its end may come,
	// with a stamp of its own).
	if got := s.Stats().Stdout.BytesDropped; got != 3 {
		t.Fatalf("dropped %d for a line's start of 3 bytes, want 3 (its stamp not yet)", got)
	}
	mustWrite(t, stdout, []byte("de"))
	waitFor(t, "the next piece dropped", func() bool { return s.Stats().Stdout.BytesDropped > 3 })
	mustWrite(t, stdout, []byte("f\n"))
	waitFor(t, "the line's end dropped", func() bool { return s.Stats().Stdout.BytesDropped > 5 })
	if got, want := s.Stats().Stdout.BytesDropped, uint64(stampLen+7); got != want {
		t.Errorf("dropped %d for a line of 7 bytes written in three pieces, want %d (one stamp)", got, want)
	}
	// The next line is a line of its own: its stamp counts.
	mustWrite(t, stdout, []byte("gh\n"))
	waitFor(t, "the next line dropped", func() bool { return s.Stats().Stdout.BytesDropped > uint64(stampLen+7) })
	if got, want := s.Stats().Stdout.BytesDropped, uint64(2*stampLen+10); got != want {
		t.Errorf("dropped %d after a second line of 3 bytes, want %d", got, want)
	}
}

// failingDisk is the live file behind a disk whose writes fail with EIO
// (no resource retry window) while failing is set; they go to the real
// file otherwise.
type failingDisk struct {
	out     io.WriteCloser
	failing atomic.Bool
}

func (d *failingDisk) Write(p []byte) (int, error) {
	if d.failing.Load() {
		return 0, &fs.PathError{Op: "write", Path: "stdout.log", Err: syscall.EIO}
	}
	return d.out.Write(p)
}

func (d *failingDisk) Close() error { return d.out.Close() }

// openStampedFailing opens a Sink with Options.Timestamps whose stdout
// file is behind a failingDisk.
func openStampedFailing(t *testing.T) (*Sink, *failingDisk) {
	t.Helper()
	disk := &failingDisk{}
	s := openWrapped(t, Options{Timestamps: true}, func(st Stream, out io.WriteCloser) io.WriteCloser {
		if st != Stdout {
			return out
		}
		disk.out = out
		return disk
	})
	return s, disk
}

// With Options.Timestamps, the end of a line whose middle a failed write
// lost starts a line of its own, with its stamp, as the output after any
// gap does: it used to be glued to the line's start with a stamp inside
// the line ("<S>abc<S>f"). The count is the middle alone.
func TestStampedLineEndAfterALostMiddleStartsALine(t *testing.T) {
	s, disk := openStampedFailing(t)
	stdout, _ := pipes(t, s)
	mustWrite(t, stdout, []byte("abc"))
	waitFor(t, "the line's start written", func() bool { return s.Stats().Stdout.BytesWritten > 0 })
	disk.failing.Store(true)
	mustWrite(t, stdout, []byte("de"))
	waitFor(t, "the middle dropped", func() bool { return s.Stats().Stdout.BytesDropped > 0 })
	disk.failing.Store(false)
	mustWrite(t, stdout, []byte("f\n"))
	path := s.Path(Stdout)
	var content string
	waitFor(t, "the line's end written", func() bool {
		b, _ := os.ReadFile(path)
		content = string(b)
		return strings.HasSuffix(content, "f\n")
	})
	lines := strings.Split(strings.TrimSuffix(content, "\n"), "\n")
	stamp := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z `)
	if len(lines) != 2 || !stamp.MatchString(lines[0]) || !stamp.MatchString(lines[1]) ||
		!strings.HasSuffix(lines[0], " abc") || !strings.HasSuffix(lines[1], " f") {
		t.Errorf("file %q, want two stamped lines, abc then f", content)
	}
	if got := s.Stats().Stdout.BytesDropped; got != 2 {
		t.Errorf("dropped %d, want the 2 bytes of the lost middle", got)
	}
}

// With Options.Timestamps, a line whose start a failed write lost and
// whose end is written counts what the file misses: the start's bytes,
// not its stamp, since the end comes with a stamp of its own (which the
// line's start in the file would have had).
func TestStampedLineWhoseEndIsWrittenCountsNoStamp(t *testing.T) {
	s, disk := openStampedFailing(t)
	stdout, _ := pipes(t, s)
	disk.failing.Store(true)
	mustWrite(t, stdout, []byte("abc"))
	waitFor(t, "the line's start dropped", func() bool { return s.Stats().Stdout.BytesDropped > 0 })
	mustWrite(t, stdout, []byte("de"))
	waitFor(t, "the next piece dropped", func() bool { return s.Stats().Stdout.BytesDropped > 3 })
	disk.failing.Store(false)
	mustWrite(t, stdout, []byte("f\n"))
	waitFor(t, "the line's end written", func() bool { return s.Stats().Stdout.BytesWritten > 0 })
	b, err := os.ReadFile(s.Path(Stdout))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(b); len(got) != stampLen+2 || !strings.HasSuffix(got, " f\n") {
		t.Errorf("file %q, want the line's end with a stamp", got)
	}
	if got := s.Stats().Stdout.BytesDropped; got != 5 {
		t.Errorf("dropped %d, want 5 (abcde: the file has a stamp for the line)", got)
	}
}

// A line whose start a failed write lost and whose end never comes (the
// Sink closes) counts its stamp then.
func TestStampedLineStartLostAtCloseCountsItsStamp(t *testing.T) {
	var disk fullDisk
	disk.full.Store(true)
	s := openWrapped(t, Options{Timestamps: true}, disk.wrap)
	stdout, stderr := pipes(t, s)
	mustWrite(t, stdout, []byte("abc"))
	waitFor(t, "the line's start dropped", func() bool { return s.Stats().Stdout.BytesDropped > 0 })
	stdout.Close()
	stderr.Close()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := s.Stats().Stdout.BytesDropped; got != uint64(stampLen+3) {
		t.Errorf("dropped %d after the close, want %d (the line and its stamp)", got, stampLen+3)
	}
}
