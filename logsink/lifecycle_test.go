package logsink

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
	"unsafe"
)

func TestCloseWithWriteEndHeldOpen(t *testing.T) { bothModes(t, testCloseWithWriteEndHeldOpen) }

func testCloseWithWriteEndHeldOpen(t *testing.T, p *Poller) {
	before := sinkGoroutines()
	s := openSink(t, Options{RotateEvery: time.Hour, Poller: p})
	if n := sinkGoroutines() - before; n != 0 {
		t.Errorf("Open started %d goroutines, want none", n)
	}

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
	// Once the writers are done, the reader (if it has its own goroutine) is
	// all that is left.
	waitFor(t, "one reader and no writer", func() bool { return sinkGoroutines() == before+readerGoroutines(p)/2 })

	closeWithin(t, s, "Close blocked on a pipe held open")
	// Close waited for its goroutines, which may still be unwinding.
	waitFor(t, "the sink's goroutines to exit", func() bool { return sinkGoroutines() == before })

	if _, err := o2.Write([]byte("late\n")); err == nil {
		t.Error("writing to a closed sink's pipe succeeded")
	}
	if got, err := os.ReadFile(s.Path(Stdout)); err != nil || string(got) != "gen1\ngen2\n" {
		t.Errorf("stdout.log = %q (%v)", got, err)
	}
	if st := s.Stats(); st.Stdout.LastError != "" || st.Stderr.LastError != "" {
		t.Errorf("stats %+v: stopping a reader at Close is no error", st)
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

// An idle Sink has no goroutine but its pipe readers, and does not open its
// files with lumberjack, which would start a goroutine that lives until Close.
func TestIdleSinkHasOnlyReaders(t *testing.T) { bothModes(t, testIdleSinkHasOnlyReaders) }

func testIdleSinkHasOnlyReaders(t *testing.T, p *Poller) {
	before, millsBefore := sinkGoroutines(), millGoroutines()
	s := openSink(t, Options{RotateEvery: time.Hour, Poller: p})
	stdout, stderr := pipes(t, s)
	waitFor(t, "the two readers", func() bool { return sinkGoroutines() == before+readerGoroutines(p) })
	// A rotation has the writers run, as the RotateEvery timer does; with
	// nothing written, there is nothing to rotate.
	if err := s.Rotate(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the writers to stop", func() bool { return sinkGoroutines() == before+readerGoroutines(p) })
	if n := millGoroutines() - millsBefore; n != 0 {
		t.Errorf("%d lumberjack goroutines started with nothing written", n)
	}
	dir := filepath.Dir(s.Path(Stdout))
	if b := append(backups(t, dir, Stdout), backups(t, dir, Stderr)...); len(b) != 0 {
		t.Errorf("empty files rotated: %v", b)
	}

	// Output starts a writer, and lumberjack's goroutine for that stream only.
	mustWrite(t, stdout, []byte("out\n"))
	waitWritten(t, s, Stdout, 4)
	if n := millGoroutines() - millsBefore; n != 1 {
		t.Errorf("%d lumberjack goroutines after writing to stdout, want 1", n)
	}
	waitFor(t, "the writer to stop", func() bool { return sinkGoroutines() == before+readerGoroutines(p) })

	_ = stdout.Close()
	_ = stderr.Close()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the sink's goroutines to exit", func() bool { return sinkGoroutines() == before })
}

// Close stops lumberjack's goroutine of every stream that was written to
// (and rotated: the goroutine removes old backups), which lumberjack alone
// would leave behind for good.
func TestCloseStopsLumberjack(t *testing.T) { bothModes(t, testCloseStopsLumberjack) }

func testCloseStopsLumberjack(t *testing.T, p *Poller) {
	millsBefore := millGoroutines()
	for range 3 { // as a reload re-creating a service's sink would
		s := openSink(t, Options{MaxBackups: 1, Poller: p})
		stdout, stderr := pipes(t, s)
		mustWrite(t, stdout, []byte("out\n"))
		mustWrite(t, stderr, []byte("err\n"))
		waitWritten(t, s, Stdout, 4)
		waitWritten(t, s, Stderr, 4)
		if err := s.Rotate(); err != nil {
			t.Fatal(err)
		}
		if n := millGoroutines() - millsBefore; n != 2 {
			t.Errorf("%d lumberjack goroutines with both streams written, want 2", n)
		}
		_ = stdout.Close()
		_ = stderr.Close()
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "lumberjack's goroutines to exit", func() bool { return millGoroutines() == millsBefore })
	}
}

// Writers stop whenever their queue is empty and start again at the next
// push; nothing pushed in between is left behind, with rotations asked for
// concurrently.
func TestWriterRestartsLoseNothing(t *testing.T) { bothModes(t, testWriterRestartsLoseNothing) }

func testWriterRestartsLoseNothing(t *testing.T, p *Poller) {
	s := openSink(t, Options{Poller: p})
	stdout, stderr := pipes(t, s)
	var want [2][]byte
	files := [2]*os.File{stdout, stderr}
	var wg sync.WaitGroup
	for st := range files {
		wg.Go(func() {
			for i := range 2000 {
				line := fmt.Appendf(nil, "%s line %d\n", Stream(st), i)
				want[st] = append(want[st], line...)
				if _, err := files[st].Write(line); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	rotated := make(chan struct{})
	go func() {
		defer close(rotated)
		for range 20 {
			if err := s.Rotate(); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	wg.Wait()
	<-rotated
	// Written without Close's final drain: a push that found its writer
	// stopping must have started another one.
	for st := range files {
		waitWritten(t, s, Stream(st), uint64(len(want[st])))
	}
	dir := filepath.Dir(s.Path(Stdout))
	for st := range files {
		if got := readLogs(t, dir, Stream(st)); !bytes.Equal(got, want[st]) {
			t.Errorf("%s: %d bytes, want %d; first difference at %d", Stream(st), len(got), len(want[st]), firstDiff(got, want[st]))
		}
	}
}

// A Sink holds its two streams' writers by pointer, one allocation each:
// a thousand services have two thousand. Each is kept within the 384-byte
// size class.
func TestStreamWriterSize(t *testing.T) {
	if size := unsafe.Sizeof(streamWriter{}); size > 384 {
		t.Errorf("streamWriter is %d bytes, want at most 384 (the 384-byte size class)", size)
	}
}

// closeWithin closes s, and fails t with stuck if that takes more than
// 10 s.
func closeWithin(t *testing.T, s *Sink, stuck string) {
	t.Helper()
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatalf("Close: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal(stuck)
	}
}
