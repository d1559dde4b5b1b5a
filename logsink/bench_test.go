package logsink

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// BenchmarkSinkThroughput measures 64 MiB going through one pipe into the
// stdout file (with one size rotation at the default MaxSize), from the first
// write until Close has written everything, with the default options. The
// writes are as fast as the pipe takes them, so the full queue slows them
// down instead of dropping output: the figure is what reaches the file, and
// dropped-B/op, which must be 0, confirms it.
func BenchmarkSinkThroughput(b *testing.B) {
	benchmarkSink(b, nil, 64<<20, chunkSize)
}

// BenchmarkPollerThroughput is BenchmarkSinkThroughput with the pipe read
// by a Poller.
func BenchmarkPollerThroughput(b *testing.B) {
	benchmarkSink(b, newTestPoller(b), 64<<20, chunkSize)
}

// BenchmarkSinkSmallWrites is BenchmarkSinkThroughput with 4 MiB written in
// 128-byte pieces, as a service logging short lines one write each: the
// reader and the writer go back and forth between waiting and working.
func BenchmarkSinkSmallWrites(b *testing.B) {
	benchmarkSink(b, nil, 4<<20, 128)
}

// BenchmarkPollerSmallWrites is BenchmarkSinkSmallWrites with the pipe read
// by a Poller.
func BenchmarkPollerSmallWrites(b *testing.B) {
	benchmarkSink(b, newTestPoller(b), 4<<20, 128)
}

// BenchmarkSinkChildThroughput measures 64 MiB written by a child process,
// as fast as it can in 128 KiB writes of the same data, going through a pipe into the stdout
// file, from the child's start until Close has written everything. Unlike
// BenchmarkSinkThroughput, the writer is where a service is: in another
// process, writing to a blocking pipe.
func BenchmarkSinkChildThroughput(b *testing.B) {
	benchmarkChild(b, nil, 64<<20)
}

// BenchmarkPollerChildThroughput is BenchmarkSinkChildThroughput with the
// pipe read by a Poller.
func BenchmarkPollerChildThroughput(b *testing.B) {
	benchmarkChild(b, newTestPoller(b), 64<<20)
}

// BenchmarkPollerStampedLines is BenchmarkPollerThroughput with 100-byte
// lines and Options.Timestamps: each line gets its stamp (25 bytes more in
// the file; the figure counts the output, not the stamps).
func BenchmarkPollerStampedLines(b *testing.B) { benchmarkLines(b, true) }

// BenchmarkPollerLines is BenchmarkPollerStampedLines without the stamps.
func BenchmarkPollerLines(b *testing.B) { benchmarkLines(b, false) }

func benchmarkLines(b *testing.B, stamps bool) {
	line := []byte(strings.Repeat("x", 99) + "\n")
	benchmarkData(b, Options{Poller: newTestPoller(b), Timestamps: stamps}, bytes.Repeat(line, chunkSize/len(line)), 64<<20)
}

func benchmarkChild(b *testing.B, p *Poller, total int) {
	benchmarkPipes(b, Options{Poller: p}, total, func(stdout, stderr *os.File) {
		startChild(b, childRepeatMode, stdout, stderr, repeatEnv+"="+strconv.Itoa(total)).wait(b)
	})
}

func benchmarkSink(b *testing.B, p *Poller, total, writeSize int) {
	benchmarkData(b, Options{Poller: p}, randomBytes(9, writeSize), total)
}

// benchmarkData is benchmarkPipes with data written to stdout until total
// bytes are.
func benchmarkData(b *testing.B, o Options, data []byte, total int) {
	benchmarkPipes(b, o, total, func(stdout, stderr *os.File) {
		_ = stderr.Close()
		for range total / len(data) {
			if _, err := stdout.Write(data); err != nil {
				b.Fatal(err)
			}
		}
		_ = stdout.Close()
	})
}

// benchmarkPipes opens a Sink with o (and a directory of its own) per
// iteration, has produce write total bytes to its pipes and close them,
// and times it until Close has written everything.
func benchmarkPipes(b *testing.B, o Options, total int, produce func(stdout, stderr *os.File)) {
	root := b.TempDir()
	b.SetBytes(int64(total))
	var dropped uint64
	for b.Loop() {
		dir := filepath.Join(root, "svc")
		o.Dir = dir
		s, err := Open(o)
		if err != nil {
			b.Fatal(err)
		}
		stdout, stderr, err := s.Pipes()
		if err != nil {
			b.Fatal(err)
		}
		produce(stdout, stderr)
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		dropped += s.Stats().Stdout.BytesDropped
		b.StopTimer()
		if err := os.RemoveAll(dir); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(dropped)/float64(b.N), "dropped-B/op")
}
