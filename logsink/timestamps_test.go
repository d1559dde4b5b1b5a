package logsink

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestTimestamps(t *testing.T) {
	t.Parallel()
	bothModes(t, testTimestamps)
}

// stampedLine is a line of a log written with Options.Timestamps.
var stampedLine = regexp.MustCompile(`^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (.*)$`)

func testTimestamps(t *testing.T, p *Poller) {
	// The smallest queue: the stamps must not count toward it, or the
	// flood of short lines below would find it full and be dropped.
	s := openSink(t, Options{Poller: p, Timestamps: true, QueueBytes: 64 << 10, MaxBlock: time.Minute})
	stdout, stderr := pipes(t, s)
	before := time.Now().UTC().Truncate(time.Millisecond)

	var want []string
	written := uint64(0)
	put := func(text string, lines int) {
		t.Helper()
		mustWrite(t, stdout, []byte(text))
		written += uint64(len(text) + lines*len("2006-01-02T15:04:05.000Z "))
		waitWritten(t, s, Stdout, written)
	}
	put("first line\n\n", 2)
	want = append(want, "first line", "")
	// A line written in two pieces, each taken by another drain, has one
	// stamp.
	put("a line in ", 1)
	put("two pieces\n", 0)
	want = append(want, "a line in two pieces")
	// A line longer than a write of the writer (chunkSize) has one stamp
	// too, and arrives whole.
	long := strings.Repeat("0123456789", 20<<10)
	put(long+"\n", 1)
	want = append(want, long)
	// Many short lines at once: several times the queue's bound once
	// stamped, and a stamp each.
	var flood strings.Builder
	for i := range 20000 {
		line := fmt.Sprintf("line %d", i)
		flood.WriteString(line + "\n")
		want = append(want, line)
	}
	put(flood.String(), 20000)
	mustWrite(t, stderr, []byte("on stderr\n"))
	_ = stdout.Close()
	_ = stderr.Close()
	closeWithin(t, s, "Close hung")
	after := time.Now().UTC()

	dir := s.streams[Stdout].dir()
	check := func(st Stream, want []string) {
		t.Helper()
		got := readLogs(t, dir, st)
		if !bytes.HasSuffix(got, []byte("\n")) {
			t.Fatalf("%s does not end with a newline: %q", st, got[max(0, len(got)-40):])
		}
		lines := strings.Split(strings.TrimSuffix(string(got), "\n"), "\n")
		if len(lines) != len(want) {
			t.Fatalf("%s has %d lines, want %d", st, len(lines), len(want))
		}
		var last time.Time
		for i, line := range lines {
			m := stampedLine.FindStringSubmatch(line)
			if m == nil {
				t.Fatalf("%s line %d has no stamp: %.80q", st, i+1, line)
			}
			if m[2] != want[i] {
				t.Fatalf("%s line %d is %.80q after its stamp, want %.80q", st, i+1, m[2], want[i])
			}
			at, err := time.Parse("2006-01-02T15:04:05.000Z07:00", m[1])
			if err != nil {
				t.Fatalf("%s line %d: stamp %q: %v", st, i+1, m[1], err)
			}
			if at.Before(before) || at.After(after) || at.Before(last) {
				t.Fatalf("%s line %d stamped %v: not between %v (or the line before's stamp, %v) and %v", st, i+1, at, before, last, after)
			}
			last = at
		}
		stats := s.Stats().Stream(st)
		if stats.BytesDropped != 0 || stats.LastError != "" {
			t.Errorf("%s: stats %+v, want none dropped, no error", st, stats)
		}
	}
	check(Stdout, want)
	check(Stderr, []string{"on stderr"})
}

func TestAppendStamp(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6_789_000, time.FixedZone("UTC+8", 8*3600))
	if got, want := string(appendStamp([]byte("x"), at)), "x2026-01-01T19:04:05.006Z "; got != want {
		t.Errorf("appendStamp = %q, want %q", got, want)
	}
}
