package logsink

import (
	"runtime"
	"testing"
	"time"
)

// TestQueueOfSmallWritesStaysSmall checks that output waiting for a hung
// disk takes about as much memory as it holds, also when the service
// writes it a few bytes at a time (unbuffered stderr, a progress
// indicator): each read of the pipe was queued as a chunk of its own, with
// a slice header and an allocation of at least 8 bytes for each, so the
// 4 MiB a stream may hold took hundreds of MiB, and the 256 MiB of every
// stream together gigabytes.
func TestQueueOfSmallWritesStaysSmall(t *testing.T) {
	bothModes(t, testQueueOfSmallWritesStaysSmall)
}

func testQueueOfSmallWritesStaysSmall(t *testing.T, p *Poller) {
	const queued = chunkSize // the smallest QueueBytes
	g := newGate()
	s := openWrapped(t, Options{QueueBytes: queued, Poller: p}, g.wrap(Stdout))
	t.Cleanup(g.open) // before the Sink's Close
	out, _ := pipes(t, s)
	// One byte, then a read of it, at a time: the writer's first write
	// hangs on the gate, and everything after waits in the queue.
	mustWrite(t, out, []byte("x"))
	<-g.entered
	before := liveHeap()
	w := s.streams[Stdout]
	pending := func() int {
		w.queue.mu.Lock()
		defer w.queue.mu.Unlock()
		return w.queue.pending
	}
	b := []byte("yyyy")
	start := time.Now()
	for i := range (queued - 1) / len(b) {
		mustWrite(t, out, b)
		// The reader takes it before the next one. The wait blocks for a
		// moment at a time, not yielding only (runtime.Gosched): the
		// reader is woken through the runtime's netpoller, which a P
		// that always finds a goroutine to run does not poll (with one P,
		// only sysmon then did, every 10 ms). The deadline is for each
		// write: the total depends on the machine's load.
		deadline := time.Now().Add(30 * time.Second)
		for pending() < 1+(i+1)*len(b) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for write %d to be queued (%d bytes queued, stats %+v)", i, pending(), s.Stats().Stream(Stdout))
			}
			time.Sleep(time.Microsecond)
		}
	}
	t.Logf("queued 4 bytes at a time in %v", time.Since(start))
	grown := liveHeap() - before
	w.queue.mu.Lock()
	chunks := len(w.queue.chunks)
	w.queue.mu.Unlock()
	t.Logf("%d bytes queued in %d chunks: heap grew by %d bytes", queued, chunks, grown)
	if chunks > 2 {
		t.Errorf("%d bytes queued 4 at a time took %d chunks, want them merged into at most 2", queued, chunks)
	}
	if grown > 3*queued {
		t.Errorf("%d bytes queued took %d bytes of heap, more than 3 times as much", queued, grown)
	}
}

// liveHeap returns the bytes of the heap's live objects. The pipe reads'
// buffers left in chunkPool, one per P that read, and their previous
// generation, which a first collection keeps, are not counted: whether
// they are there depends on the scheduler, and each is 64 KiB.
func liveHeap() int64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}
