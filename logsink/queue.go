package logsink

import (
	"sync"
	"sync/atomic"
	"time"
)

// queue hands chunks from a stream's readers to its writer. It is bounded by
// the bytes not yet written: a chunk counts from push until the writer
// releases it after writing, so a blocked writer holds at most limit bytes.
type queue struct {
	limit int
	ready chan struct{} // capacity 1: "chunks are waiting"

	mu      sync.Mutex
	chunks  [][]byte
	pending int // bytes pushed and not yet released
}

func newQueue(limit int) *queue {
	return &queue{limit: limit, ready: make(chan struct{}, 1)}
}

// push appends b unless that would exceed the bound. It never blocks.
func (q *queue) push(b []byte) bool {
	q.mu.Lock()
	if q.pending+len(b) > q.limit {
		q.mu.Unlock()
		return false
	}
	q.chunks = append(q.chunks, b)
	q.pending += len(b)
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default:
	}
	return true
}

// take returns the queued chunks and their size, leaving spare (emptied) as
// the new queue so that the two slices are reused in turn.
func (q *queue) take(spare [][]byte) (chunks [][]byte, size int) {
	q.mu.Lock()
	chunks, q.chunks = q.chunks, spare[:0]
	q.mu.Unlock()
	for _, c := range chunks {
		size += len(c)
	}
	return chunks, size
}

// release frees n bytes of the bound once they are written or dropped.
func (q *queue) release(n int) {
	q.mu.Lock()
	q.pending -= n
	q.mu.Unlock()
}

// streamStats holds a stream's counters and its error reporting state.
type streamStats struct {
	st      Stream
	onError func(Stream, error)

	written atomic.Uint64
	dropped atomic.Uint64

	mu           sync.Mutex
	lastErr      string
	lastErrAt    time.Time
	lastNotified time.Time
}

// report records err and passes it to onError unless that was called less
// than errorInterval ago.
func (s *streamStats) report(err error) {
	now := time.Now()
	s.mu.Lock()
	s.lastErr, s.lastErrAt = err.Error(), now
	notify := s.onError != nil && (s.lastNotified.IsZero() || now.Sub(s.lastNotified) >= errorInterval)
	if notify {
		s.lastNotified = now
	}
	s.mu.Unlock()
	if notify {
		s.onError(s.st, err)
	}
}

func (s *streamStats) snapshot() StreamStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return StreamStats{
		BytesWritten:  s.written.Load(),
		BytesDropped:  s.dropped.Load(),
		LastError:     s.lastErr,
		LastErrorTime: s.lastErrAt,
	}
}
