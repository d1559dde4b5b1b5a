package logsink

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
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
	for _, stamps := range []bool{false, true} {
		t.Run(fmt.Sprintf("timestamps=%v", stamps), func(t *testing.T) {
			t.Parallel()
			bothModes(t, func(t *testing.T, p *Poller) { testProcessStartsALine(t, p, stamps) })
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
	stamp := regexp.MustCompile(`(?m)^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z `)
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
	for _, stamps := range []bool{false, true} {
		t.Run(fmt.Sprintf("timestamps=%v", stamps), func(t *testing.T) {
			t.Parallel()
			bothModes(t, func(t *testing.T, p *Poller) { testStampedLineAfterAGap(t, p, stamps) })
		})
	}
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
		stamp := regexp.MustCompile(`(?m)^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z `)
		if n := len(stamp.FindAllString(got, -1)); n != 3 {
			t.Errorf("%d stamps, want 3 (one per line)", n)
		}
		got = stamp.ReplaceAllString(got, "")
	}
	if got != want {
		t.Errorf("stdout.log is %d bytes ending in %q, want %d ending in %q", len(got), got[max(0, len(got)-30):], len(want), want[len(want)-30:])
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
