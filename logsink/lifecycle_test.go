package logsink

import (
	"bytes"
	"errors"
	"io"
	"os"
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

// open lets the writes through.
func (g *gate) open() { g.once.Do(func() { close(g.release) }) }

func (g *gate) Write(p []byte) (int, error) {
	select {
	case <-g.entered:
	default:
		close(g.entered)
	}
	<-g.release
	return g.WriteCloser.Write(p)
}

func TestBlockedWriterDropsAndNeverBlocksTheChild(t *testing.T) {
	g := newGate()
	var log errorLog
	s := openWrapped(t, Options{QueueBytes: chunkSize, OnError: log.onError}, func(st Stream, out io.WriteCloser) io.WriteCloser {
		if st != Stdout {
			return out
		}
		g.WriteCloser = out
		return g
	})
	t.Cleanup(g.open) // runs before the Sink's Close if the test fails
	stdout, stderr := pipes(t, s)

	// 4 MiB is far more than the pipe buffer plus the queue: the write
	// returns only because the reader keeps draining the pipe.
	data := randomBytes(3, 4<<20)
	done := make(chan error, 1)
	go func() {
		_, err := stdout.Write(data)
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the child's write blocked behind a blocked log writer")
	}
	<-g.entered

	// The other stream is not held up.
	mustWrite(t, stderr, []byte("stderr is fine\n"))
	waitWritten(t, s, Stderr, 15)

	// Wait until the reader has consumed the pipe: every byte is queued or
	// dropped. Then the writer may go on.
	q := s.streams[Stdout].q
	waitFor(t, "the pipe to be drained", func() bool {
		q.mu.Lock()
		pending := q.pending
		q.mu.Unlock()
		if pending > chunkSize {
			t.Fatalf("%d bytes pending, more than QueueBytes", pending)
		}
		return s.Stats().Stdout.BytesDropped+uint64(pending) == uint64(len(data))
	})
	if !log.has(Stdout, func(err error) bool { return errors.Is(err, ErrQueueFull) }) {
		t.Error("OnError did not get ErrQueueFull")
	}
	g.open()
	_ = stdout.Close()
	_ = stderr.Close()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	st := s.Stats().Stdout
	if st.BytesDropped == 0 || st.BytesWritten+st.BytesDropped != uint64(len(data)) {
		t.Errorf("stats %+v: want written + dropped = %d, some dropped", st, len(data))
	}
	got, err := os.ReadFile(s.Path(Stdout))
	if err != nil {
		t.Fatal(err)
	}
	// Everything after the queue filled up was dropped: what was written is
	// the start of the output, unmangled.
	if uint64(len(got)) != st.BytesWritten || !bytes.Equal(got, data[:len(got)]) {
		t.Errorf("stdout.log: %d bytes, not the first %d bytes of the output", len(got), st.BytesWritten)
	}
	if got := s.Stats().Stderr; got.BytesDropped != 0 {
		t.Errorf("stderr dropped %d bytes", got.BytesDropped)
	}
}

func TestCloseWithWriteEndHeldOpen(t *testing.T) {
	before := sinkGoroutines()
	s := openSink(t, Options{RotateEvery: time.Hour})

	// A first process, gone: its readers end at EOF.
	o1, e1, err := s.Pipes()
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, o1, []byte("gen1\n"))
	_ = o1.Close()
	_ = e1.Close()
	waitWritten(t, s, Stdout, 5)

	// A second one whose stdout is still held open, as by a grandchild.
	o2, e2 := pipes(t, s)
	_ = e2.Close()
	mustWrite(t, o2, []byte("gen2\n"))
	waitWritten(t, s, Stdout, 10)
	waitFor(t, "two writers and one reader", func() bool { return sinkGoroutines() == before+3 })

	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatalf("Close: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close blocked on a pipe held open")
	}
	// Close waited for its goroutines, which may still be unwinding.
	waitFor(t, "the sink's goroutines to exit", func() bool { return sinkGoroutines() == before })

	if _, err := o2.Write([]byte("late\n")); err == nil {
		t.Error("writing to a closed sink's pipe succeeded")
	}
	if got, err := os.ReadFile(s.Path(Stdout)); err != nil || string(got) != "gen1\ngen2\n" {
		t.Errorf("stdout.log = %q (%v)", got, err)
	}
	if _, _, err := s.Pipes(); !errors.Is(err, ErrClosed) {
		t.Errorf("Pipes after Close: %v, want ErrClosed", err)
	}
	if err := s.Rotate(); !errors.Is(err, ErrClosed) {
		t.Errorf("Rotate after Close: %v, want ErrClosed", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
