package main

import (
	"io"
	"sync"
	"time"
)

const (
	// logQueueRecords bounds the records of superd's own log waiting for
	// stderr: at a few hundred bytes each, well under a MiB.
	logQueueRecords = 2048
	// logFlushWait bounds how long superd, exiting, waits for its log to
	// reach stderr.
	logFlushWait = 2 * time.Second
)

// logQueue stands between superd's log handler and its stderr, so that a
// stderr nobody reads (a terminal stopped with Ctrl-S, a pipe whose
// reader hangs, a journald that falls behind) never blocks the actors that
// log: Write queues a copy of the record and returns at once. One
// goroutine, owned by the queue and ended by Close, writes the records in
// order. When the queue is full, records are dropped and counted; a
// notice saying how many were lost is written where they would have been.
//
// slog's handlers write each record with one Write call, so a record is
// either queued whole or dropped whole.
type logQueue struct {
	out    io.Writer
	notice func(w io.Writer, dropped uint64) // writes the notice, in the log's format

	mu      sync.Mutex // serialises Write and Close
	closed  bool
	dropped uint64 // records dropped since the last one queued
	records chan queuedRecord
	done    chan struct{} // closed when the writer goroutine returns
}

// queuedRecord is a record, and the number of records dropped just before
// it.
type queuedRecord struct {
	dropped uint64
	b       []byte
}

// newLogQueue starts the writer goroutine; capacity is the number of
// records that may wait.
func newLogQueue(out io.Writer, capacity int, notice func(io.Writer, uint64)) *logQueue {
	q := &logQueue{out: out, notice: notice, records: make(chan queuedRecord, capacity), done: make(chan struct{})}
	go q.run(q.records)
	return q
}

// Write queues a copy of p, or drops it if the queue is full or closed. It
// never blocks on the output and never fails.
func (q *logQueue) Write(p []byte) (int, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return len(p), nil
	}
	select {
	case q.records <- queuedRecord{dropped: q.dropped, b: append([]byte(nil), p...)}:
		q.dropped = 0
	default:
		q.dropped++
	}
	return len(p), nil
}

func (q *logQueue) run(records <-chan queuedRecord) {
	defer close(q.done)
	for rec := range records {
		if rec.dropped > 0 {
			q.notice(q.out, rec.dropped)
		}
		_, _ = q.out.Write(rec.b) // nowhere to report a failing stderr
	}
}

// Close stops taking records and waits, at most wait in all, until those
// queued (and the count of those dropped after them) are written. It
// reports whether they all were: a stderr that stays blocked must not keep
// superd from exiting. Writes after Close are dropped.
func (q *logQueue) Close(wait time.Duration) bool {
	t := time.NewTimer(wait)
	defer t.Stop()
	expired := false
	q.mu.Lock()
	if !q.closed {
		q.closed = true
		if q.dropped > 0 {
			// The count goes last, once the writer takes a record and makes
			// room for it, or not at all.
			select {
			case q.records <- queuedRecord{dropped: q.dropped}:
			case <-t.C:
				expired = true
			}
		}
		close(q.records)
	}
	q.mu.Unlock()
	if expired {
		return false
	}
	select {
	case <-q.done:
		return true
	case <-t.C:
		return false
	}
}
