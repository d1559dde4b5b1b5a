package logsink

import (
	"runtime"
	"testing"
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
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	w := s.streams[Stdout]
	pending := func() int {
		w.queue.mu.Lock()
		defer w.queue.mu.Unlock()
		return w.queue.pending
	}
	b := []byte("yyyy")
	for i := range (queued - 1) / len(b) {
		mustWrite(t, out, b)
		for pending() < 1+(i+1)*len(b) { // the reader takes it before the next one
			runtime.Gosched()
		}
	}
	waitFor(t, "the queue to be full", func() bool {
		w.queue.mu.Lock()
		defer w.queue.mu.Unlock()
		return w.queue.pending >= queued-len(b)
	})
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	grown := int64(after.HeapInuse) - int64(before.HeapInuse)
	t.Logf("%d bytes queued in %d chunks: heap grew by %d bytes", queued, len(w.queue.chunks), grown)
	if grown > 3*queued {
		t.Errorf("%d bytes queued took %d bytes of heap, more than 3 times as much", queued, grown)
	}
}
