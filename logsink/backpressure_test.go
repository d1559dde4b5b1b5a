package logsink

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// gate blocks every write until release is closed, like a hung disk.
type gate struct {
	io.WriteCloser
	entered chan struct{} // closed by the first write
	release chan struct{}
	once    sync.Once
}

func newGate() *gate {
	return &gate{entered: make(chan struct{}), release: make(chan struct{})}
}

// wrap returns a wrapFunc that puts g in front of st's file.
func (g *gate) wrap(st Stream) wrapFunc {
	return func(s Stream, out io.WriteCloser) io.WriteCloser {
		if s != st {
			return out
		}
		g.WriteCloser = out
		return g
	}
}

// open lets the writes through.
func (g *gate) open() { g.once.Do(func() { close(g.release) }) }

// Write is only called by the stream's writer goroutine.
func (g *gate) Write(p []byte) (int, error) {
	select {
	case <-g.entered:
	default:
		close(g.entered)
	}
	<-g.release
	return g.WriteCloser.Write(p)
}

// pendingBytes returns the bytes queued or being written.
func (q *queue) pendingBytes() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.pending
}

// hasWaiter reports whether a push, or a Poller's pipe, is waiting for room.
func (q *queue) hasWaiter() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.room != nil || len(q.waiters) > 0
}

// A child writing far faster than the disk is slowed down by the full queue,
// not cut: nothing is lost.
func TestFastWriterIsSlowedNotCut(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		opts Options
		size int
	}{
		{"default queue", Options{}, 4 * DefaultQueueBytes},
		{"smallest queue", Options{QueueBytes: chunkSize}, 128 * chunkSize},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bothModes(t, func(t *testing.T, p *Poller) {
				opts := tc.opts
				opts.Poller = p
				s := openSink(t, opts)
				stdout, stderr, err := s.Pipes()
				if err != nil {
					t.Fatal(err)
				}
				startChild(t, childFloodMode, stdout, stderr, floodEnv+"="+strconv.Itoa(tc.size)).wait(t)
				// Close drains what is still in the pipes for 100ms only,
				// too little for up to 1 MiB through the smallest queue on
				// a loaded machine: wait for the writer instead.
				waitWritten(t, s, Stdout, uint64(tc.size))
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}

				st := s.Stats().Stdout
				if st.BytesDropped != 0 || st.BytesWritten != uint64(tc.size) || st.LastError != "" {
					t.Errorf("stats %+v, want %d bytes written, none dropped, no error", st, tc.size)
				}
				dir := filepath.Dir(s.Path(Stdout))
				checkSameStream(t, "stdout", openLogs(t, dir, Stdout), floodPayload(0, tc.size))
				if got := string(readLogs(t, dir, Stderr)); got != floodMarker(0) {
					t.Errorf("stderr = %q, want %q", got, floodMarker(0))
				}
			})
		})
	}
}

// A hung disk blocks the child for about MaxBlock once; then output that does
// not fit is dropped and counted at once, until the writer moves again. From
// then on nothing more is lost.
func TestHungWriterDropsThenResumes(t *testing.T) {
	t.Parallel()
	bothModes(t, testHungWriterDropsThenResumes)
}

func testHungWriterDropsThenResumes(t *testing.T, p *Poller) {
	const size = 2 * DefaultQueueBytes
	g := newGate()
	var log errorLog
	s := openWrapped(t, Options{OnError: log.onError, Poller: p}, g.wrap(Stdout))
	t.Cleanup(g.open) // runs before the Sink's Close if the test fails
	stdout, stderr, err := s.Pipes()
	if err != nil {
		t.Fatal(err)
	}
	c := startChild(t, childFloodMode, stdout, stderr, fmt.Sprintf("%s=%d,%d", floodEnv, size, size))

	// Phase 0 is far more than the pipe buffer plus the queue: the child gets
	// to its marker on stderr only because the reader keeps draining the
	// pipe. Had the reader waited MaxBlock for each chunk it drops, that
	// would take a minute.
	waitWritten(t, s, Stderr, uint64(len(floodMarker(0))))
	<-g.entered
	q := s.streams[Stdout].q()
	waitFor(t, "the pipe to be drained", func() bool {
		pending := q.pendingBytes()
		if pending > DefaultQueueBytes {
			t.Fatalf("%d bytes pending, more than QueueBytes", pending)
		}
		return s.Stats().Stdout.BytesDropped+uint64(pending) == size
	})
	if !log.has(Stdout, func(err error) bool { return errors.Is(err, ErrQueueFull) }) {
		t.Error("OnError did not get ErrQueueFull")
	}
	dropped := s.Stats().Stdout.BytesDropped

	// The disk recovers: the queue is written, and phase 1, as large as
	// phase 0, arrives whole.
	g.open()
	waitWritten(t, s, Stdout, size-dropped)
	// Released, not only written: the release ends the stall.
	waitFor(t, "the queue to be written", func() bool { return q.pendingBytes() == 0 })
	if _, err := c.stdin.Write([]byte{'\n'}); err != nil {
		t.Fatal(err)
	}
	c.wait(t)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	st := s.Stats().Stdout
	if st.BytesDropped != dropped || st.BytesWritten != 2*size-dropped {
		t.Errorf("stats %+v: want %d dropped (all in phase 0), %d written", st, dropped, 2*size-dropped)
	}
	// What was written of phase 0 is its start, unmangled: everything after
	// the queue filled up was dropped.
	dir := filepath.Dir(s.Path(Stdout))
	want := io.MultiReader(io.LimitReader(floodPayload(0, size), int64(size-dropped)), floodPayload(1, size))
	checkSameStream(t, "stdout", openLogs(t, dir, Stdout), want)
	if got, want := string(readLogs(t, dir, Stderr)), floodMarker(0)+floodMarker(1); got != want {
		t.Errorf("stderr = %q, want %q", got, want)
	}
	if st := s.Stats().Stderr; st.BytesDropped != 0 {
		t.Errorf("stderr dropped %d bytes", st.BytesDropped)
	}
}

// Close does not wait MaxBlock for a reader waiting for queue room.
func TestCloseStopsWaitingForRoom(t *testing.T) {
	t.Parallel()
	bothModes(t, testCloseStopsWaitingForRoom)
}

func testCloseStopsWaitingForRoom(t *testing.T, p *Poller) {
	g := newGate()
	s := openWrapped(t, Options{QueueBytes: chunkSize, MaxBlock: time.Hour, Poller: p}, g.wrap(Stdout))
	t.Cleanup(g.open)
	stdout, _ := pipes(t, s)
	wrote := make(chan struct{})
	go func() {
		defer close(wrote)
		// More than the pipe buffer plus the queue: the write fails (EPIPE)
		// once Close stops reading.
		_, _ = stdout.Write(randomBytes(4, 4<<20))
	}()
	<-g.entered
	waitFor(t, "a reader waiting for room", s.streams[Stdout].q().hasWaiter)

	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	waitFor(t, "the waiting reader to give up", func() bool { return s.Stats().Stdout.BytesDropped > 0 })
	g.open() // Close waits for the writer to finish its write
	select {
	case err := <-closed:
		if err != nil {
			t.Fatalf("Close: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return")
	}
	<-wrote
}

// A full queue blocks the writer of a pipe for MaxBlock, not longer; then
// output is dropped without waiting, until the writer finishes a write
// again. From then on nothing more is lost.
func TestMaxBlockBoundsTheWait(t *testing.T) {
	t.Parallel()
	bothModes(t, testMaxBlockBoundsTheWait)
}

func testMaxBlockBoundsTheWait(t *testing.T, p *Poller) {
	const maxBlock = 300 * time.Millisecond
	g := newGate()
	var log errorLog
	s := openWrapped(t, Options{QueueBytes: chunkSize, MaxBlock: maxBlock, OnError: log.onError, Poller: p}, g.wrap(Stdout))
	t.Cleanup(g.open)
	stdout, _ := pipes(t, s)

	// More than the pipe (grown to 1 MiB with a Poller) and the queue take:
	// the write blocks until MaxBlock has passed.
	first := randomBytes(6, 4<<20)
	start := time.Now()
	mustWrite(t, stdout, first)
	if d := time.Since(start); d < maxBlock {
		t.Errorf("the write returned after %v, before MaxBlock (%v)", d, maxBlock)
	}
	// The queue is stalled: 64 chunks more are dropped at once, not after
	// MaxBlock each.
	second := randomBytes(7, 4<<20)
	start = time.Now()
	mustWrite(t, stdout, second)
	if d := time.Since(start); d > 10*maxBlock {
		t.Errorf("the write into a stalled queue took %v", d)
	}
	q := s.streams[Stdout].q()
	total := uint64(len(first) + len(second))
	waitFor(t, "the pipe to be drained", func() bool {
		return s.Stats().Stdout.BytesDropped+uint64(q.pendingBytes()) == total
	})
	if !log.has(Stdout, func(err error) bool { return errors.Is(err, ErrQueueFull) }) {
		t.Error("OnError did not get ErrQueueFull")
	}
	pending, dropped := q.pendingBytes(), s.Stats().Stdout.BytesDropped

	// The writer moves again: the stall ends, and the next output is written
	// whole.
	g.open()
	third := []byte("after the stall\n")
	// Released, not only written: the release ends the stall.
	waitFor(t, "the queue to be written", func() bool { return q.pendingBytes() == 0 })
	mustWrite(t, stdout, third)
	waitWritten(t, s, Stdout, uint64(pending+len(third)))
	if st := s.Stats().Stdout; st.BytesDropped != dropped {
		t.Errorf("%d more bytes dropped after the stall", st.BytesDropped-dropped)
	}
	want := append(first[:pending:pending], third...)
	if got, err := os.ReadFile(s.Path(Stdout)); err != nil || !bytes.Equal(got, want) {
		t.Errorf("stdout.log: %d bytes (%v), want %d: what the queue held, then the output after the stall", len(got), err, len(want))
	}
}
