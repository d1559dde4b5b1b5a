//go:build linux

package logsink

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// discard is a log file that takes everything and keeps nothing.
type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
func (discard) Close() error                { return nil }

func discardAll(Stream, io.WriteCloser) io.WriteCloser { return discard{} }

// pollerSinks is how many Sinks TestPollerManySinks puts on one Poller.
const pollerSinks = 512

// Many Sinks with traffic cost the Poller's one goroutine: once their writers
// are done, nothing of this package is left but it (lumberjack's goroutines,
// one per file ever written to, never stop).
func TestPollerManySinks(t *testing.T) {
	waitFor(t, "other tests' goroutines to exit", func() bool { return packageGoroutines() == 0 })
	p := newTestPoller(t)
	root := t.TempDir()
	sinks := make([]*Sink, pollerSinks)
	var ends [][2]*os.File
	for i := range sinks {
		sinks[i] = openSink(t, Options{Dir: filepath.Join(root, strconv.Itoa(i)), Poller: p})
		stdout, stderr, err := sinks[i].Pipes()
		if errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) {
			t.Skipf("%d Sinks need %d file descriptors: %v", pollerSinks, 4*pollerSinks, err)
		}
		if err != nil {
			t.Fatal(err)
		}
		ends = append(ends, [2]*os.File{stdout, stderr})
		t.Cleanup(func() {
			_ = stdout.Close()
			_ = stderr.Close()
		})
	}
	line := func(i int, st Stream) string { return fmt.Sprintf("sink %d %s\n", i, st) }
	// Every pipe is written to twice, the second round in reverse order.
	for round := range 2 {
		for j := range sinks {
			i := j
			if round == 1 {
				i = len(sinks) - 1 - j
			}
			for st, f := range ends[i] {
				mustWrite(t, f, []byte(line(i, Stream(st))))
			}
		}
	}
	for i, s := range sinks {
		for st := range ends[i] {
			waitWritten(t, s, Stream(st), uint64(2*len(line(i, Stream(st)))))
		}
	}
	// The writers exit once they have written everything: what stays does
	// not depend on the number of Sinks.
	waitFor(t, "the writers to stop", func() bool { return packageGoroutines() == 1 })
	if n := pollerGoroutines(); n != 1 {
		t.Errorf("%d Poller goroutines, want 1", n)
	}
	waitFor(t, "the Poller to park", func() bool { return parkedReaders() == 1 })

	for i, s := range sinks {
		for st, f := range ends[i] {
			_ = f.Close()
			want := line(i, Stream(st)) + line(i, Stream(st))
			if got, err := os.ReadFile(s.Path(Stream(st))); err != nil || string(got) != want {
				t.Fatalf("%s = %q (%v), want %q", s.Path(Stream(st)), got, err, want)
			}
		}
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	// Close waited for its goroutine, which may still be unwinding.
	waitFor(t, "the Poller's goroutine to exit", func() bool { return pollerGoroutines() == 0 })
}

// A Sink whose disk hangs, with its child blocked on a full pipe, and one
// whose child floods its pipe, delay no other Sink on the same Poller; once
// the disk recovers, the blocked pipe is read again and nothing is lost.
// Close of the blocked Sink stops only its own pipes.
func TestPollerBlockedSinkDoesNotDelayOthers(t *testing.T) {
	t.Parallel()
	p := newTestPoller(t)
	data := randomBytes(5, 4*busyPipeSize) // far more than a grown pipe plus the queue
	blocked, g, wrote := blockedSink(t, p, data)

	flooded := openWrapped(t, Options{Poller: p}, discardAll)
	fOut, fErr, err := flooded.Pipes()
	if err != nil {
		t.Fatal(err)
	}
	startChild(t, childRepeatMode, fOut, fErr, repeatEnv+"="+strconv.FormatInt(1<<40, 10))
	waitWritten(t, flooded, Stdout, 1<<20)

	other := openSink(t, Options{Poller: p})
	oOut, _ := pipes(t, other)
	var want []byte
	floodedBefore := flooded.Stats().Stdout.BytesWritten
	for i := range 50 {
		line := fmt.Appendf(nil, "line %d\n", i)
		want = append(want, line...)
		mustWrite(t, oOut, line)
		waitWritten(t, other, Stdout, uint64(len(want)))
	}
	if flooded.Stats().Stdout.BytesWritten == floodedBefore {
		t.Error("the flooding child made no progress meanwhile")
	}
	select {
	case err := <-wrote:
		t.Fatalf("the blocked write returned (%v)", err)
	default:
	}

	// The disk recovers: the blocked pipe is read to the end.
	g.open()
	if err := <-wrote; err != nil {
		t.Fatal(err)
	}
	waitWritten(t, blocked, Stdout, uint64(len(data)))
	if got, err := os.ReadFile(blocked.Path(Stdout)); err != nil || !bytes.Equal(got, data) {
		t.Errorf("blocked sink: %d bytes (%v), want %d", len(got), err, len(data))
	}
	if st := blocked.Stats().Stdout; st.BytesDropped != 0 {
		t.Errorf("blocked sink dropped %d bytes", st.BytesDropped)
	}

	// Close, while the flood goes on, stops only the Sink's own pipes.
	if err := flooded.Close(); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, oOut, []byte("after\n"))
	want = append(want, "after\n"...)
	waitWritten(t, other, Stdout, uint64(len(want)))
	if got, err := os.ReadFile(other.Path(Stdout)); err != nil || !bytes.Equal(got, want) {
		t.Errorf("other sink = %q (%v), want %q", got, err, want)
	}
}

// Close of a Sink whose pipe waits for room in a full queue stops at the
// drain deadline and drops what the pipe held; the Poller goes on serving
// other Sinks.
func TestPollerCloseSinkWithFullPipe(t *testing.T) {
	t.Parallel()
	p := newTestPoller(t)
	s, g, wrote := blockedSink(t, p, randomBytes(4, 4*busyPipeSize))

	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	waitFor(t, "the held chunk to be dropped", func() bool { return s.Stats().Stdout.BytesDropped > 0 })
	if err := <-wrote; !errors.Is(err, syscall.EPIPE) {
		t.Errorf("write to the closed Sink's pipe: %v, want EPIPE", err)
	}
	if s.streams[Stdout].q().hasWaiter() {
		t.Error("the stopped pipe still waits for room")
	}
	g.open() // Close waits for the writer to finish its write
	if err := <-closed; err != nil {
		t.Fatal(err)
	}

	other := openSink(t, Options{Poller: p})
	oOut, _ := pipes(t, other)
	mustWrite(t, oOut, []byte("still served\n"))
	waitWritten(t, other, Stdout, uint64(len("still served\n")))
}

// Poller.Close stops every pipe as Sink.Close does, after at most the drain
// deadline even with a pipe waiting for room; the Sinks stay usable but for
// Pipes.
func TestPollerClose(t *testing.T) {
	p := newTestPoller(t)
	open := openSink(t, Options{Poller: p})
	oOut, oErr := pipes(t, open) // held open, as by a grandchild
	mustWrite(t, oOut, []byte("before\n"))
	waitWritten(t, open, Stdout, uint64(len("before\n")))

	full, g, wrote := blockedSink(t, p, randomBytes(3, 4*busyPipeSize))

	start := time.Now()
	if err := p.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	t.Logf("Close took %v", time.Since(start))
	if d := time.Since(start); d < closeDrainTimeout {
		t.Errorf("Close returned after %v, before the drain deadline", d)
	}
	// Close waited for its goroutine, which may still be unwinding.
	waitFor(t, "the Poller's goroutine to exit", func() bool { return pollerGoroutines() == 0 })
	if err := <-wrote; !errors.Is(err, syscall.EPIPE) {
		t.Errorf("blocked write after Poller.Close: %v, want EPIPE", err)
	}
	if st := full.Stats().Stdout; st.BytesDropped == 0 {
		t.Errorf("stats %+v: the chunk held was not dropped", st)
	}
	for _, f := range []*os.File{oOut, oErr} {
		if _, err := f.Write([]byte("late\n")); !errors.Is(err, syscall.EPIPE) {
			t.Errorf("write after Poller.Close: %v, want EPIPE", err)
		}
	}
	if _, _, err := open.Pipes(); !errors.Is(err, ErrPollerClosed) {
		t.Errorf("Pipes after Poller.Close: %v, want ErrPollerClosed", err)
	}
	if err := open.Rotate(); err != nil {
		t.Errorf("Rotate after Poller.Close: %v", err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}

	g.open()
	for _, s := range []*Sink{open, full} {
		if err := s.Close(); err != nil {
			t.Errorf("Sink.Close: %v", err)
		}
	}
	if got := string(readLogs(t, filepath.Dir(open.Path(Stdout)), Stdout)); got != "before\n" {
		t.Errorf("logs = %q, want %q", got, "before\n")
	}
	if st := open.Stats(); st.Stdout.LastError != "" || st.Stderr.LastError != "" {
		t.Errorf("stats %+v: stopping a pipe at Close is no error", st)
	}
	var nilPoller *Poller
	if err := nilPoller.Close(); err != nil {
		t.Errorf("Close of a nil Poller: %v", err)
	}
}

// Pipes of many generations, closed and reopened, reuse descriptor numbers:
// each new pipe is served, none is confused with an earlier one.
func TestPollerPipeGenerations(t *testing.T) {
	t.Parallel()
	p := newTestPoller(t)
	sinks := []*Sink{openSink(t, Options{Poller: p}), openSink(t, Options{Poller: p})}
	var want [2][]byte
	for gen := range 200 {
		for i, s := range sinks {
			stdout, stderr, err := s.Pipes()
			if err != nil {
				t.Fatal(err)
			}
			line := fmt.Appendf(nil, "sink %d generation %d\n", i, gen)
			want[i] = append(want[i], line...)
			mustWrite(t, stdout, line)
			_ = stdout.Close()
			_ = stderr.Close()
		}
		for i, s := range sinks {
			waitWritten(t, s, Stdout, uint64(len(want[i])))
		}
	}
	waitFor(t, "every pipe to end", func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		return len(p.pipes) == 0
	})
	for i, s := range sinks {
		if got, err := os.ReadFile(s.Path(Stdout)); err != nil || !bytes.Equal(got, want[i]) {
			t.Errorf("sink %d: %d bytes (%v), want %d", i, len(got), err, len(want[i]))
		}
	}
}

// If the Poller's goroutine fails, every pipe is stopped with the error
// reported to its stream, and Pipes tells why.
func TestPollerFailureStopsPipes(t *testing.T) {
	p := newTestPoller(t)
	var log errorLog
	s := openSink(t, Options{OnError: log.onError, Poller: p})
	stdout, _ := pipes(t, s)
	mustWrite(t, stdout, []byte("before\n"))
	waitWritten(t, s, Stdout, uint64(len("before\n")))

	failure := errors.New("test failure")
	p.fail(failure)
	if _, err := stdout.Write([]byte("after\n")); !errors.Is(err, syscall.EPIPE) {
		t.Errorf("write after the failure: %v, want EPIPE", err)
	}
	for _, st := range []Stream{Stdout, Stderr} {
		if !log.has(st, func(err error) bool { return errors.Is(err, failure) }) {
			t.Errorf("%s: OnError did not get the failure", st)
		}
	}
	if _, _, err := s.Pipes(); !errors.Is(err, ErrPollerClosed) || !errors.Is(err, failure) {
		t.Errorf("Pipes after the failure: %v, want ErrPollerClosed and the failure", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(s.Path(Stdout)); err != nil || string(got) != "before\n" {
		t.Errorf("stdout.log = %q (%v)", got, err)
	}
}

// The read ends the Poller holds are non-blocking and close-on-exec, so
// that no child inherits them.
func TestPollerReadEndFlags(t *testing.T) {
	s := openSink(t, Options{Poller: newTestPoller(t)})
	pipes(t, s)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.readers) != 2 {
		t.Fatalf("%d readers, want 2", len(s.readers))
	}
	for _, r := range s.readers {
		fd := uintptr(r.(*polledPipe).fd)
		if fl, err := unix.FcntlInt(fd, unix.F_GETFL, 0); err != nil || fl&unix.O_NONBLOCK == 0 {
			t.Errorf("read end: file status flags %#x (%v): want non-blocking mode", fl, err)
		}
		if fl, err := unix.FcntlInt(fd, unix.F_GETFD, 0); err != nil || fl&unix.FD_CLOEXEC == 0 {
			t.Errorf("read end: descriptor flags %#x (%v): want close-on-exec", fl, err)
		}
	}
}

// A pipe in which one read finds growAfter bytes or more is grown to
// busyPipeSize; a pipe written to a line now and then keeps the kernel's
// default capacity.
func TestPollerGrowsBusyPipes(t *testing.T) {
	p := newTestPoller(t)
	s := openWrapped(t, Options{Dir: t.TempDir(), Poller: p}, discardAll)
	stdout, stderr := pipes(t, s)
	pipeSize := func(f *os.File) int {
		t.Helper()
		n, err := unix.FcntlInt(f.Fd(), unix.F_GETPIPE_SZ, 0)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	initial := pipeSize(stdout)
	if initial >= busyPipeSize {
		t.Skipf("pipes already start at %d bytes", initial)
	}

	mustWrite(t, stderr, []byte("now and then\n"))
	waitWritten(t, s, Stderr, uint64(len("now and then\n")))
	// More than the pipe holds, written in one call: the Poller reads it
	// as full chunks while the write blocks.
	big := randomBytes(7, 4*initial)
	mustWrite(t, stdout, big)
	waitWritten(t, s, Stdout, uint64(len(big)))

	if got := pipeSize(stdout); got != busyPipeSize {
		t.Errorf("streaming pipe holds %d bytes, want %d", got, busyPipeSize)
	}
	if got := pipeSize(stderr); got != initial {
		t.Errorf("quiet pipe holds %d bytes, want the default %d", got, initial)
	}
}

// blockedSink opens a Sink on p whose stdout file blocks (behind the gate it
// returns; the test's cleanup opens it) and a queue of one chunk, then
// writes data, more than a grown pipe and the queue hold, to its stdout
// pipe from a goroutine, whose result comes on wrote. It returns once the
// Poller holds a chunk waiting for room and the write is blocked.
func blockedSink(t *testing.T, p *Poller, data []byte) (s *Sink, g *gate, wrote <-chan error) {
	t.Helper()
	g = newGate()
	s = openWrapped(t, Options{QueueBytes: chunkSize, MaxBlock: time.Hour, Poller: p}, g.wrap(Stdout))
	t.Cleanup(g.open)
	stdout, _ := pipes(t, s)
	result := make(chan error, 1)
	go func() {
		_, err := stdout.Write(data)
		result <- err
	}()
	<-g.entered
	waitFor(t, "the pipe to wait for room", s.streams[Stdout].q().hasWaiter)
	return s, g, result
}
