//go:build linux

package logsink

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// pipeHolds reports how many bytes wait in the pipe whose write end is f.
func pipeHolds(t testing.TB, f *os.File) int {
	t.Helper()
	n, err := unix.IoctlGetInt(int(f.Fd()), unix.TIOCINQ) // FIONREAD
	if err != nil {
		t.Fatalf("FIONREAD %s: %v", f.Name(), err)
	}
	return n
}

// leaveInPipe has f, the write end of a pipe of s's stdout, hold more than
// the queue (QueueBytes chunkSize) and the chunk read for want of room
// can take, as a process that exited behind a slow disk (its writes held
// by a gate) leaves it: n bytes of lines are written, and some of them
// are still in the pipe. The pipe is grown first, so that they fit,
// however the reader cut them.
func leaveInPipe(t *testing.T, s *Sink, f *os.File, line string) []byte {
	t.Helper()
	const size = 256 << 10
	if _, err := unix.FcntlInt(f.Fd(), unix.F_SETPIPE_SZ, size); err != nil {
		t.Skipf("cannot grow a pipe: %v", err)
	}
	// More than the queue and a chunk held (2 chunkSize) together, less
	// than those and the pipe.
	var out bytes.Buffer
	for i := 0; out.Len() < 2*chunkSize+size/2; i++ {
		fmt.Fprintf(&out, "%s, line %d\n", line, i)
	}
	wrote := make(chan error, 1)
	go func() {
		_, err := f.Write(out.Bytes())
		wrote <- err
	}()
	select {
	case err := <-wrote:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the output did not fit in the queue and the pipe")
	}
	waitFor(t, "the queue full", s.streams[Stdout].queue.hasWaiter)
	if pipeHolds(t, f) == 0 {
		t.Fatal("the pipe is empty: the test does not test anything")
	}
	return out.Bytes()
}

// Output a process wrote before it exited comes before the output of the
// next process of the service (a restart), also when the disk is slower
// than the service and that output still waits in the pipe (and the
// chunk read from it for want of room) when the next process starts: it
// used to come in turn with the next process's output, chunk by chunk, and
// the next process's first line landed inside a line of the previous one.
func TestOutputOfARestartComesAfterThePreviousOne(t *testing.T) {
	t.Parallel()
	bothModes(t, func(t *testing.T, p *Poller) {
		g := newGate()
		s := openWrapped(t, Options{QueueBytes: chunkSize, MaxBlock: time.Minute, Poller: p}, g.wrap(Stdout))
		first, _ := pipes(t, s)
		old := leaveInPipe(t, s, first, "first process")
		if err := first.Close(); err != nil { // the process exited
			t.Fatal(err)
		}

		second, _ := pipes(t, s)
		next := []byte("second process, first line\n")
		mustWrite(t, second, next)
		waitFor(t, "the second pipe read", func() bool { return pipeHolds(t, second) == 0 })
		g.open()
		want := append(old, next...)
		waitWritten(t, s, Stdout, uint64(len(want)))
		got := readLogs(t, filepath.Dir(s.Path(Stdout)), Stdout)
		if !bytes.Equal(got, want) {
			t.Fatalf("the second process's line is at byte %d of %d, want %d (after all of the first's output)",
				bytes.Index(got, next), len(got), len(old))
		}
		if st := s.Stats().Stdout; st.BytesDropped != 0 {
			t.Errorf("%d bytes dropped, want none", st.BytesDropped)
		}
	})
}

// A restart whose previous process left a grandchild that goes on writing
// to its pipe, behind a hung disk, gets its pipes at once: the catch-up
// reads at most what a busy pipe holds, and the queue holds at most that
// much more than its bound.
func TestRestartCatchUpIsBounded(t *testing.T) {
	t.Parallel()
	bothModes(t, func(t *testing.T, p *Poller) {
		g := newGate()
		defer g.open()
		const queueBytes = chunkSize
		s := openWrapped(t, Options{QueueBytes: queueBytes, MaxBlock: time.Minute, Poller: p}, g.wrap(Stdout))
		first, _ := pipes(t, s)
		stop := make(chan struct{})
		flooded := make(chan struct{})
		go func() { // the grandchild, until its pipe is closed
			defer close(flooded)
			line := bytes.Repeat([]byte("x"), 1023)
			line = append(line, '\n')
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := first.Write(line); err != nil {
					return
				}
			}
		}()
		defer func() {
			close(stop)
			g.open() // the writer frees room: the grandchild's write returns
			<-flooded
		}()
		<-g.entered
		waitFor(t, "the queue full", s.streams[Stdout].queue.hasWaiter)

		made := make(chan error, 1)
		go func() {
			_, _, err := s.Pipes()
			made <- err
		}()
		select {
		case err := <-made:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("Pipes did not return while the previous pipe was flooded")
		}
		if n, most := s.streams[Stdout].queue.pendingBytes(), queueBytes+catchUpMax+chunkSize; n > most {
			t.Errorf("the queue holds %d bytes, want at most %d", n, most)
		}
	})
}

// The output a stopped process left in its pipe behind a slow disk is
// written by Close, as what is queued is: Close used to read the pipe
// only as room freed, for 100ms, and dropped the rest.
func TestCloseKeepsWhatThePipeHolds(t *testing.T) {
	t.Parallel()
	bothModes(t, func(t *testing.T, p *Poller) {
		g := newGate()
		defer g.open()
		s := openWrapped(t, Options{QueueBytes: chunkSize, MaxBlock: time.Minute, Poller: p}, g.wrap(Stdout))
		out, _ := pipes(t, s)
		last := leaveInPipe(t, s, out, "last words")
		if err := out.Close(); err != nil { // the process exited
			t.Fatal(err)
		}

		closed := make(chan error, 1)
		go func() { closed <- s.Close() }()
		waitFor(t, "the pipes stopped", func() bool {
			s.mu.Lock()
			defer s.mu.Unlock()
			return len(s.readers) == 0
		})
		g.open() // the disk comes back once Close has stopped reading
		select {
		case err := <-closed:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("Close did not return")
		}
		if got := readLogs(t, filepath.Dir(s.Path(Stdout)), Stdout); !bytes.Equal(got, last) {
			t.Errorf("the log holds %d bytes, want the %d written (%d dropped)", len(got), len(last), s.Stats().Stdout.BytesDropped)
		}
	})
}
