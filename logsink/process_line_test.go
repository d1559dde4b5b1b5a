package logsink

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
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
