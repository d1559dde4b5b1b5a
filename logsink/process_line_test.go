package logsink

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestProcessStartsALine checks that the output of each pair of pipes (each
// process) starts on a line of its own: an unfinished last line of the
// output before is ended with a newline, whether it was written already or
// still in the old pipe (queued by the catch-up of Pipes), and nothing is
// added after a finished one. The queue's bound gets back every byte: the
// added newlines were never counted in it.
func TestProcessStartsALine(t *testing.T) {
	t.Parallel()
	bothStampModes(t, testProcessStartsALine)
}

// bothStampModes runs test with each kind of reader (bothModes), with and
// without Options.Timestamps.
func bothStampModes(t *testing.T, test func(t *testing.T, p *Poller, stamps bool)) {
	for _, stamps := range []bool{false, true} {
		t.Run(fmt.Sprintf("timestamps=%v", stamps), func(t *testing.T) {
			t.Parallel()
			bothModes(t, func(t *testing.T, p *Poller) { test(t, p, stamps) })
		})
	}
}

func testProcessStartsALine(t *testing.T, p *Poller, stamps bool) {
	s := openSink(t, Options{Poller: p, Timestamps: stamps})
	written := map[Stream]uint64{}
	// process writes its output, closes its pipes and, if wait, waits
	// until the sink wrote it all; else the next Pipes finds it in the
	// pipes.
	process := func(out, errOut string, wait bool) {
		t.Helper()
		stdout, stderr := pipes(t, s)
		mustWrite(t, stdout, []byte(out))
		mustWrite(t, stderr, []byte(errOut))
		_ = stdout.Close()
		_ = stderr.Close()
		written[Stdout] += uint64(len(out))
		written[Stderr] += uint64(len(errOut))
		if wait {
			waitFor(t, "the output written", func() bool {
				return s.Stats().Stream(Stdout).BytesWritten >= written[Stdout] &&
					s.Stats().Stream(Stderr).BytesWritten >= written[Stderr]
			})
		}
	}
	process("ready\nkilled in the mid", "warning\n", true)
	process("second\n", "no newline", false) // still in its pipes when the next one starts
	process("third, unfinished", "", true)
	process("", "fourth\n", true)
	process("fifth\n", "", true)
	closeWithin(t, s, "Close hung")

	dir := s.streams[Stdout].dir()
	stamp := stampRE
	for st, want := range map[Stream]string{
		Stdout: "ready\nkilled in the mid\nsecond\nthird, unfinished\nfifth\n",
		Stderr: "warning\nno newline\nfourth\n",
	} {
		got := string(readLogs(t, dir, st))
		if stamps {
			if n, lines := len(stamp.FindAllString(got, -1)), strings.Count(want, "\n"); n != lines {
				t.Errorf("%s: %d stamps in %q, want one per line (%d)", st, n, got, lines)
			}
			got = stamp.ReplaceAllString(got, "")
		}
		if got != want {
			t.Errorf("%s is %q, want %q", st, got, want)
		}
		if stats := s.Stats().Stream(st); stats.BytesDropped != 0 || stats.LastError != "" {
			t.Errorf("%s: stats %+v, want none dropped, no error", st, stats)
		}
		if q := s.streams[st].q(); q.pending != 0 || len(q.chunks) != 0 {
			t.Errorf("%s: queue holds %d bytes in %d chunks after Close, want none", st, q.pending, len(q.chunks))
		}
	}
}

// TestStampedLineAfterAGap checks that, with Timestamps, the output after
// a gap (output dropped while the disk hung) starts on a line of its own,
// with its stamp, instead of going on with the line the gap cut; and that
// without Timestamps it stays as read, less what was dropped.
func TestStampedLineAfterAGap(t *testing.T) {
	t.Parallel()
	bothStampModes(t, testStampedLineAfterAGap)
}

func testStampedLineAfterAGap(t *testing.T, p *Poller, stamps bool) {
	g := newGate()
	s := openWrapped(t, Options{QueueBytes: 4 * chunkSize, MaxBlock: 100 * time.Millisecond, Timestamps: stamps, Poller: p}, g.wrap(Stdout))
	t.Cleanup(g.open)
	stdout, stderr := pipes(t, s)
	defer stderr.Close()
	// One line far longer than the pipe and the queue: what the queue
	// holds when the disk recovers is the start of it, the rest is dropped.
	long := bytes.Repeat([]byte("x"), 4<<20)
	mustWrite(t, stdout, []byte("first line\n"))
	mustWrite(t, stdout, long)
	q := s.streams[Stdout].q()
	waitFor(t, "the pipe to be drained", func() bool {
		return s.Stats().Stdout.BytesDropped+uint64(q.pendingBytes()) == uint64(len("first line\n")+len(long))
	})
	g.open()
	waitFor(t, "the queue to be written", func() bool { return q.pendingBytes() == 0 })
	mustWrite(t, stdout, []byte("after the gap\n"))
	_ = stdout.Close()
	closeWithin(t, s, "Close hung")

	got := string(readLogs(t, s.streams[Stdout].dir(), Stdout))
	kept := int(uint64(len("first line\n")+len(long)) - s.Stats().Stdout.BytesDropped)
	if kept >= len("first line\n")+len(long) || kept <= len("first line\n") {
		t.Fatalf("%d bytes kept of the long line's: the test needs a gap within it", kept-len("first line\n"))
	}
	want := "first line\n" + string(long[:kept-len("first line\n")]) + "after the gap\n"
	if stamps {
		want = "first line\n" + string(long[:kept-len("first line\n")]) + "\nafter the gap\n"
		stamp := stampRE
		if n := len(stamp.FindAllString(got, -1)); n != 3 {
			t.Errorf("%d stamps, want 3 (one per line)", n)
		}
		got = stamp.ReplaceAllString(got, "")
	}
	if got != want {
		t.Errorf("stdout.log is %d bytes ending in %q, want %d ending in %q", len(got), got[max(0, len(got)-30):], len(want), want[len(want)-30:])
	}
	if st := s.Stats(); s.DroppedBytes() != st.Stdout.BytesDropped+st.Stderr.BytesDropped || s.DroppedBytes() == 0 {
		t.Errorf("DroppedBytes %d, want the %d+%d of Stats, not 0", s.DroppedBytes(), st.Stdout.BytesDropped, st.Stderr.BytesDropped)
	}
}

// TestStampIsReadTime checks that a line is stamped with the time it was
// read from the pipe, not the time it was written to the file: behind a
// hung disk, the stamp of a line queued meanwhile is from before the disk
// recovered.
func TestStampIsReadTime(t *testing.T) {
	t.Parallel()
	bothModes(t, testStampIsReadTime)
}

func testStampIsReadTime(t *testing.T, p *Poller) {
	g := newGate()
	s := openWrapped(t, Options{Timestamps: true, Poller: p}, g.wrap(Stdout))
	t.Cleanup(g.open)
	stdout, stderr := pipes(t, s)
	defer stderr.Close()
	mustWrite(t, stdout, []byte("line one\n"))
	<-g.entered // the writer is stuck writing it
	before := time.Now().UnixMilli()
	mustWrite(t, stdout, []byte("line two\n"))
	q := s.streams[Stdout].q()
	waitFor(t, "line two to be queued", func() bool { return q.pendingBytes() == len("line one\nline two\n") })
	read := time.Now().UnixMilli()
	waitFor(t, "the clock to pass the next millisecond", func() bool { return time.Now().UnixMilli() > read+1 })
	opened := time.Now().UnixMilli()
	g.open()
	_ = stdout.Close()
	closeWithin(t, s, "Close hung")

	got := string(readLogs(t, s.streams[Stdout].dir(), Stdout))
	m := regexp.MustCompile(`(?m)^(\S+) line two$`).FindStringSubmatch(got)
	if m == nil {
		t.Fatalf("no stamped line two in %q", got)
	}
	at, err := time.Parse("2006-01-02T15:04:05.000Z07:00", m[1])
	if err != nil {
		t.Fatal(err)
	}
	if ms := at.UnixMilli(); ms < before || ms > read {
		t.Errorf("line two stamped %v: want the time it was read, between %v and %v (the disk recovered at %v)",
			at, time.UnixMilli(before).UTC(), time.UnixMilli(read).UTC(), time.UnixMilli(opened).UTC())
	}
}

// slowDisk delays every write by a fixed time, as a slow disk does.
type slowDisk struct {
	io.WriteCloser
	delay time.Duration
}

func (d *slowDisk) Write(p []byte) (int, error) {
	time.Sleep(d.delay)
	return d.WriteCloser.Write(p)
}

// TestStampedGapsKeepLinesApart floods a slow disk until output is dropped
// again and again, with Timestamps: every line of the file must be a piece
// of one line written (its start, or, after a gap, a later part), never
// the pieces of two lines glued together. The gap's mark must come right
// where the output was dropped, before anything the pipe gave after.
func TestStampedGapsKeepLinesApart(t *testing.T) {
	t.Parallel()
	bothModes(t, testStampedGapsKeepLinesApart)
}

func testStampedGapsKeepLinesApart(t *testing.T, p *Poller) {
	wrap := func(_ Stream, out io.WriteCloser) io.WriteCloser { return &slowDisk{out, 300 * time.Microsecond} }
	s := openWrapped(t, Options{Timestamps: true, QueueBytes: chunkSize, MaxBlock: time.Millisecond, Poller: p}, wrap)
	stdout, stderr := pipes(t, s)
	defer stderr.Close()
	const lines, width = 20000, 1000
	var out bytes.Buffer
	for i := range lines {
		fmt.Fprintf(&out, "L%08d:", i)
		out.Write(bytes.Repeat([]byte{byte('a' + i%26)}, width-11))
		out.WriteByte('\n')
	}
	mustWrite(t, stdout, out.Bytes())
	_ = stdout.Close()
	closeWithin(t, s, "Close hung")
	if s.Stats().Stdout.BytesDropped == 0 {
		t.Skip("nothing was dropped: the disk was not slow enough here to test gaps")
	}

	stamp := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z `)
	piece := regexp.MustCompile(`^(L?\d{0,8}:)?([a-z]*)$|^L?\d{1,8}$`)
	got := strings.TrimSuffix(string(readLogs(t, s.streams[Stdout].dir(), Stdout)), "\n")
	for n, line := range strings.Split(got, "\n") {
		loc := stamp.FindStringIndex(line)
		if loc == nil {
			t.Fatalf("line %d has no stamp: %.60q", n+1, line)
		}
		// A piece of line i ("L%08d:" and its fill letter): any part of
		// it, so some of the header, then one letter throughout.
		text := line[loc[1]:]
		m := piece.FindStringSubmatch(text)
		if m == nil || m[2] != "" && strings.Trim(m[2], m[2][:1]) != "" {
			t.Fatalf("line %d: pieces of several lines glued: %.40q...%.40q", n+1, text, text[max(0, len(text)-40):])
		}
		if len(m[1]) == 10 && m[2] != "" {
			if i, err := strconv.Atoi(m[1][1:9]); err != nil || m[2][0] != byte('a'+i%26) {
				t.Fatalf("line %d: line %s's start glued to another's: %.40q", n+1, m[1], text)
			}
		}
	}
}

// stampRE matches the stamp of Options.Timestamps at the start of a line.
var stampRE = regexp.MustCompile(`(?m)^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z `)

// unstamped returns b without the stamps of its lines, and whether it
// had any.
func unstamped(b []byte) (string, bool) {
	s := stampRE.ReplaceAllString(string(b), "")
	return s, len(s) != len(b)
}

// TestLineCarriedByARotationEndsInTheNewFile checks that the newline that
// ends a previous process's unfinished line, moved to a backup by a
// rotation while that process could still finish it, starts the new file:
// the files read in order (as every reader of the logs does) keep the two
// processes' lines apart. It was left out, and the next process's first
// line was glued to the unfinished one.
func TestLineCarriedByARotationEndsInTheNewFile(t *testing.T) {
	t.Parallel()
	bothStampModes(t, testLineCarriedByARotationEndsInTheNewFile)
}

func testLineCarriedByARotationEndsInTheNewFile(t *testing.T, p *Poller, stamps bool) {
	s := openSink(t, Options{Timestamps: stamps, Poller: p})
	stdout, stderr := pipes(t, s)
	mustWrite(t, stdout, []byte("unfinished"))
	waitFor(t, "the output written", func() bool { return s.Stats().Stdout.BytesWritten > 0 })
	if err := s.Rotate(); err != nil {
		t.Fatal(err)
	}
	endWithNextProcess(t, s, stdout, stderr, "next\n")
	live, err := os.ReadFile(s.Path(Stdout))
	if err != nil {
		t.Fatal(err)
	}
	if got, stamped := unstamped(live); got != "\nnext\n" || stamped != stamps {
		t.Errorf("the new file is %q, want %q, stamped: %v", live, "\nnext\n", stamps)
	}
	all, _ := unstamped(readLogs(t, s.streams[Stdout].dir(), Stdout))
	if all != "unfinished\nnext\n" {
		t.Errorf("the files read in order: %q, want %q", all, "unfinished\nnext\n")
	}
}

// TestRotationEndsALineNoProcessCanFinish checks that a rotation ends the
// unfinished last line of a file that no process can finish (the pipe
// that wrote it ended; the line was left by an earlier Sink) in that file:
// the next process's output starts the new file, and the files read in
// order keep the lines apart. The rotation moved the line away unended,
// and the next process's first line was glued to it.
func TestRotationEndsALineNoProcessCanFinish(t *testing.T) {
	t.Parallel()
	bothStampModes(t, testRotationEndsALineNoProcessCanFinish)
}

func testRotationEndsALineNoProcessCanFinish(t *testing.T, p *Poller, stamps bool) {
	check := func(t *testing.T, s *Sink, first string) {
		t.Helper()
		if err := s.Rotate(); err != nil {
			t.Fatal(err)
		}
		stdout, stderr := pipes(t, s)
		endWithNextProcess(t, s, stdout, stderr, "next\n")
		dir := s.streams[Stdout].dir()
		names := backups(t, dir, Stdout)
		if len(names) != 1 {
			t.Fatalf("backups %v, want 1", names)
		}
		backup, err := os.ReadFile(filepath.Join(dir, names[0]))
		if err != nil {
			t.Fatal(err)
		}
		live, err := os.ReadFile(s.Path(Stdout))
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := unstamped(backup); got != first+"\n" {
			t.Errorf("the backup is %q, want %q", backup, first+"\n")
		}
		if got, stamped := unstamped(live); got != "next\n" || stamped != stamps {
			t.Errorf("the new file is %q, want %q, stamped: %v", live, "next\n", stamps)
		}
	}
	t.Run("pipe ended", func(t *testing.T) {
		s := openSink(t, Options{Timestamps: stamps, Poller: p})
		stdout, stderr := pipes(t, s)
		mustWrite(t, stdout, []byte("whole\nunfinished"))
		_ = stdout.Close()
		_ = stderr.Close()
		waitFor(t, "the pipes' end", func() bool {
			return s.Stats().Stdout.BytesWritten > 0 && s.streams[Stdout].queue.pipesOpen() == 0
		})
		check(t, s, "whole\nunfinished")
	})
	t.Run("left by an earlier sink", func(t *testing.T) {
		dir := dirWithLogs(t, map[Stream]string{Stdout: "left"})
		check(t, openSink(t, Options{Dir: dir, Timestamps: stamps, Poller: p}), "left")
	})
}

// endWithNextProcess closes the pipes of a process of s, has the next
// process write out on stdout and end, and closes s.
func endWithNextProcess(t *testing.T, s *Sink, stdout, stderr *os.File, out string) {
	t.Helper()
	_ = stdout.Close()
	_ = stderr.Close()
	stdout, stderr = pipes(t, s)
	mustWrite(t, stdout, []byte(out))
	_ = stdout.Close()
	_ = stderr.Close()
	closeWithin(t, s, "Close hung")
}

// TestCaughtUpOutputBeforeTheBreak checks that what the previous process
// left in its pipe, behind a hung disk and a full queue, is queued by the
// next Pipes before the break that ends its unfinished line.
func TestCaughtUpOutputBeforeTheBreak(t *testing.T) {
	t.Parallel()
	bothModes(t, testCaughtUpOutputBeforeTheBreak)
}

func testCaughtUpOutputBeforeTheBreak(t *testing.T, p *Poller) {
	g := newGate()
	s := openWrapped(t, Options{QueueBytes: chunkSize, MaxBlock: time.Minute, Poller: p}, g.wrap(Stdout))
	t.Cleanup(g.open)
	stdout, stderr := pipes(t, s)
	mustWrite(t, stdout, []byte("first\n"))
	<-g.entered // the writer is stuck writing it
	long := bytes.Repeat([]byte("x"), chunkSize)
	mustWrite(t, stdout, long) // read, and waiting for room
	q := s.streams[Stdout].q()
	waitFor(t, "the reader to wait for room", q.hasWaiter)
	mustWrite(t, stdout, []byte(" and more, unfinished")) // left in the pipe
	_ = stdout.Close()
	_ = stderr.Close()
	stdout, stderr = pipes(t, s) // catches up with the old pipe first
	mustWrite(t, stdout, []byte("the next process\n"))
	_ = stdout.Close()
	_ = stderr.Close()
	g.open()
	closeWithin(t, s, "Close hung")
	want := "first\n" + string(long) + " and more, unfinished\nthe next process\n"
	if got := string(readLogs(t, s.streams[Stdout].dir(), Stdout)); got != want {
		t.Errorf("stdout.log ends in %q, want %q", got[max(0, len(got)-60):], want[len(want)-60:])
	}
}

// TestStampedMergeBound checks that small chunks read in different
// milliseconds stay apart in the queue (each keeps its read time) until
// mergeAnyAfter are queued, and are merged from then on.
func TestStampedMergeBound(t *testing.T) {
	q := &queue{limit: 1 << 30, maxBlock: time.Second}
	const n = 3 * mergeAnyAfter
	for i := range n {
		if r := q.tryPush([]byte("ab"), int64(i+1)*1e6, nil); r != pushed {
			t.Fatalf("push %d: %v", i, r)
		}
	}
	chunks, _ := q.take(nil)
	if len(chunks) != mergeAnyAfter {
		t.Fatalf("%d chunks queued, want %d", len(chunks), mergeAnyAfter)
	}
	for i, c := range chunks[:mergeAnyAfter-1] {
		if c.at != int64(i+1)*1e6 || string(c.b) != "ab" {
			t.Fatalf("chunk %d is %q read at %d, want %q read at %d", i, c.b, c.at, "ab", int64(i+1)*1e6)
		}
	}
	if last := chunks[mergeAnyAfter-1]; len(last.b) != 2*(n-mergeAnyAfter+1) {
		t.Errorf("the last chunk holds %d bytes, want the %d of every later push", len(last.b), 2*(n-mergeAnyAfter+1))
	}
}

// failSecond blocks the first write until released, fails the second with
// EIO, and passes the others through.
type failSecond struct {
	io.WriteCloser
	writes  int
	entered chan struct{}
	release chan struct{}
}

func (f *failSecond) Write(p []byte) (int, error) { // called by the writer's run only
	f.writes++
	switch f.writes {
	case 1:
		close(f.entered)
		<-f.release
	case 2:
		return 0, syscall.EIO
	}
	return f.WriteCloser.Write(p)
}

// openFailSecond opens a Sink with opts whose stdout is written through a
// failSecond, and returns them with the function that releases its first
// write (called at the test's end too, if the test did not).
func openFailSecond(t *testing.T, opts Options) (*Sink, *failSecond, func()) {
	t.Helper()
	f := &failSecond{entered: make(chan struct{}), release: make(chan struct{})}
	wrap := func(st Stream, out io.WriteCloser) io.WriteCloser {
		if st != Stdout {
			return out
		}
		f.WriteCloser = out
		return f
	}
	s := openWrapped(t, opts, wrap)
	var once sync.Once
	release := func() { once.Do(func() { close(f.release) }) }
	t.Cleanup(release)
	return s, f, release
}

// TestLineEndAfterAFailedWrite checks, without Timestamps, that a failed
// write of what was staged before a chunk does not make the writer forget
// that the chunk, written after it, ended in the middle of a line: the
// next process's output still starts on a line of its own.
func TestLineEndAfterAFailedWrite(t *testing.T) {
	t.Parallel()
	bothModes(t, testLineEndAfterAFailedWrite)
}

func testLineEndAfterAFailedWrite(t *testing.T, p *Poller) {
	s, f, release := openFailSecond(t, Options{Poller: p})
	stdout, stderr := pipes(t, s)
	mustWrite(t, stdout, []byte("ready\n"))
	<-f.entered // write 1 holds the writer: the next two chunks queue apart
	q := s.streams[Stdout].q()
	mustWrite(t, stdout, []byte("abc")) // staged, then lost by write 2
	waitFor(t, "the short chunk to be queued", func() bool { return q.pendingBytes() == len("ready\nabc") })
	long := bytes.Repeat([]byte("x"), chunkSize/2+100) // written directly, by write 3
	mustWrite(t, stdout, long)
	waitFor(t, "the long chunk to be queued", func() bool { return q.pendingBytes() == len("ready\nabc")+len(long) })
	release()
	endWithNextProcess(t, s, stdout, stderr, "next\n")
	want := "ready\n" + string(long) + "\nnext\n"
	if got := string(readLogs(t, s.streams[Stdout].dir(), Stdout)); got != want {
		t.Errorf("stdout.log is %d bytes ending in %q, want %d ending in %q", len(got), got[max(0, len(got)-20):], len(want), want[len(want)-20:])
	}
	if d := s.Stats().Stdout.BytesDropped; d != 3 {
		t.Errorf("%d bytes dropped, want 3 (the lost write)", d)
	}
}

// TestFileLeftMidLineStartsALine checks that a Sink opened on log files
// that an earlier run left (its last process killed in the middle of a
// line, on stdout) starts the next process's output on a line of its own,
// with or without Timestamps, and adds nothing to a file that ends a line.
func TestFileLeftMidLineStartsALine(t *testing.T) {
	t.Parallel()
	bothStampModes(t, testFileLeftMidLineStartsALine)
}

func testFileLeftMidLineStartsALine(t *testing.T, p *Poller, stamps bool) {
	left := map[Stream]string{Stdout: "left by an earlier run, unfinished", Stderr: "ended\n"}
	dir := dirWithLogs(t, left)
	s := openSink(t, Options{Dir: dir, Poller: p, Timestamps: stamps})
	stdout, stderr := pipes(t, s)
	mustWrite(t, stdout, []byte("next\n"))
	mustWrite(t, stderr, []byte("next\n"))
	_ = stdout.Close()
	_ = stderr.Close()
	closeWithin(t, s, "Close hung")

	stamp := stampRE
	for st, want := range map[Stream]string{Stdout: left[Stdout] + "\nnext\n", Stderr: left[Stderr] + "next\n"} {
		got := string(readLogs(t, dir, st))
		if stamps {
			if n := len(stamp.FindAllString(got, -1)); n != 1 {
				t.Errorf("%s: %d stamps in %q, want one, on the new line", st, n, got)
			}
			got = stamp.ReplaceAllString(got, "")
		}
		if got != want {
			t.Errorf("%s is %q, want %q", st, got, want)
		}
	}
}

// TestFullFileLeftMidLineEndsItsLine checks the same with a file left
// already full (by a larger MaxSize) in the middle of a line: the newline
// that ends that line goes to it, one byte past MaxSize, and the new file
// starts with the next process's output, not with an empty line.
func TestFullFileLeftMidLineEndsItsLine(t *testing.T) {
	t.Parallel()
	bothStampModes(t, testFullFileLeftMidLineEndsItsLine)
}

func testFullFileLeftMidLineEndsItsLine(t *testing.T, p *Poller, stamps bool) {
	left := strings.Repeat("x", 3000)
	dir := dirWithLogs(t, map[Stream]string{Stdout: left})
	s := openSink(t, Options{Dir: dir, Poller: p, Timestamps: stamps, MaxSize: 1000})
	stdout, stderr := pipes(t, s)
	mustWrite(t, stdout, []byte("next\n"))
	_ = stdout.Close()
	_ = stderr.Close()
	closeWithin(t, s, "Close hung")

	live, err := os.ReadFile(filepath.Join(dir, "stdout.log"))
	if err != nil {
		t.Fatal(err)
	}
	got := string(live)
	if stamps {
		stamp := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z `)
		if !stamp.MatchString(got) {
			t.Errorf("the new file %q does not start with a stamp", got)
		}
		got = stamp.ReplaceAllString(got, "")
	}
	if got != "next\n" {
		t.Errorf("the new file is %q, want %q", got, "next\n")
	}
	if all := string(readLogs(t, dir, Stdout)); !strings.HasPrefix(all, left+"\n") {
		t.Errorf("the left line is not ended in its own file: the logs start %q", all[len(left)-5:min(len(all), len(left)+10)])
	}
}

// dirWithLogs returns a new log directory holding, for each stream of
// left, a live file with its text: what an earlier run left.
func dirWithLogs(t *testing.T, left map[Stream]string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "svc")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for st, text := range left {
		if err := os.WriteFile(filepath.Join(dir, st.String()+".log"), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestLineEndLostByAFailedWrite checks that a failed write, which loses
// the end of a line whose start the file holds, does not make the writer
// believe that the file ends a line: the next process's output still
// starts on a line of its own, with or without Timestamps.
func TestLineEndLostByAFailedWrite(t *testing.T) {
	t.Parallel()
	bothStampModes(t, testLineEndLostByAFailedWrite)
}

func testLineEndLostByAFailedWrite(t *testing.T, p *Poller, stamps bool) {
	s, f, release := openFailSecond(t, Options{Poller: p, Timestamps: stamps})
	stdout, stderr := pipes(t, s)
	mustWrite(t, stdout, []byte("ready\npartial"))
	<-f.entered // write 1 holds the writer: the rest of the line queues apart
	q := s.streams[Stdout].q()
	mustWrite(t, stdout, []byte(" and its end\n"))
	waitFor(t, "the line's end to be queued", func() bool { return q.pendingBytes() == len("ready\npartial and its end\n") })
	release() // write 2, of the line's end, fails
	waitFor(t, "the line's end to be lost", func() bool { return s.Stats().Stdout.BytesDropped == uint64(len(" and its end\n")) })
	endWithNextProcess(t, s, stdout, stderr, "next\n")

	got := string(readLogs(t, s.streams[Stdout].dir(), Stdout))
	if stamps {
		stamp := stampRE
		if n := len(stamp.FindAllString(got, -1)); n != 3 {
			t.Errorf("%d stamps in %q, want one per line (3)", n, got)
		}
		got = stamp.ReplaceAllString(got, "")
	}
	if want := "ready\npartial\nnext\n"; got != want {
		t.Errorf("stdout.log is %q, want %q", got, want)
	}
}

// pipesOpen returns how many pipes openPipe counted and pipeClosed did not
// take back.
func (q *queue) pipesOpen() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return int(q.pipes)
}

// TestCarriedLineEndsWhenTheSinkCloses checks that a line a rotation
// carried into an empty new file, unfinished when the Sink closes, is
// ended then: the next Sink on the directory (superd restarted, or the
// service replaced by a reload) sees an empty live file and could not
// tell, and its first process's output was glued to the line.
func TestCarriedLineEndsWhenTheSinkCloses(t *testing.T) {
	t.Parallel()
	bothStampModes(t, func(t *testing.T, p *Poller, stamps bool) {
		dir := filepath.Join(t.TempDir(), "svc")
		s := openSink(t, Options{Dir: dir, Timestamps: stamps, Poller: p})
		stdout, stderr := pipes(t, s)
		mustWrite(t, stdout, []byte("unfinished"))
		waitFor(t, "the output written", func() bool { return s.Stats().Stdout.BytesWritten > 0 })
		if err := s.Rotate(); err != nil { // while the process could go on
			t.Fatal(err)
		}
		_ = stdout.Close()
		_ = stderr.Close()
		closeWithin(t, s, "Close hung")
		next := openSink(t, Options{Dir: dir, Timestamps: stamps, Poller: p})
		stdout, stderr = pipes(t, next)
		endWithNextProcess(t, next, stdout, stderr, "next\n")
		if all, _ := unstamped(readLogs(t, dir, Stdout)); all != "unfinished\nnext\n" {
			t.Errorf("the files read in order: %q, want %q", all, "unfinished\nnext\n")
		}
	})
}
