package logsink

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// These tests run in a synctest bubble, as those of trailer_test.go do:
// the fake clock fires the trailing call's timer at once, and they drive
// one stream's writer as its run would, on a disk that is full or not.

// resumeRecorder is a stream writer on a disk that may be full whose
// OnError and OnResume calls it records, in order: "error N", N the
// bytes dropped when the call was made (what superd's warning tells), and
// "resumed D/T", D and T the Resumption's Dropped and TotalDropped.
type resumeRecorder struct {
	w    *streamWriter
	disk *fullDisk

	mu    sync.Mutex
	calls []string
}

func newResumeRecorder(t *testing.T) *resumeRecorder {
	t.Helper()
	r := &resumeRecorder{disk: new(fullDisk)}
	o, err := Options{Dir: t.TempDir(), OnError: r.onError, OnResume: r.onResume}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	r.w = newStreamWriter(Stdout, o, &callbacks{onError: o.OnError, onResume: o.OnResume}, r.disk.wrap)
	r.w.retryAt = monotonic() // see newDropRecorder
	return r
}

func (r *resumeRecorder) onError(Stream, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, fmt.Sprintf("error %d", r.w.stats.dropped.Load()))
}

func (r *resumeRecorder) onResume(_ Stream, res Resumption) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, fmt.Sprintf("resumed %d/%d", res.Dropped, res.TotalDropped))
	if !shortOfResource(res.Err) {
		r.calls = append(r.calls, fmt.Sprintf("(resumption's error %v, want ENOSPC)", res.Err))
	}
}

// output has the writer write n bytes, as its run does with a chunk it
// takes from the queue.
func (r *resumeRecorder) output(t *testing.T, n int) {
	t.Helper()
	if res := r.w.queue.tryPush(make([]byte, n), 0, nil); res != pushed {
		t.Fatalf("chunk not queued: %v", res)
	}
	chunks, _ := r.w.queue.take(nil)
	for _, c := range chunks {
		r.w.write(c.b, len(c.b), lead{})
	}
}

// failing has the writer fail (full) or write (!full) from now on. A
// writer that failed writes again once resourceRetry has passed: the
// bubble's clock is moved past it.
func (r *resumeRecorder) failing(full bool) {
	r.disk.full.Store(full)
	if !full {
		time.Sleep(resourceRetry)
	}
}

func (r *resumeRecorder) check(t *testing.T, when string, want ...string) {
	t.Helper()
	synctest.Wait()
	r.mu.Lock()
	defer r.mu.Unlock()
	if !slices.Equal(r.calls, want) {
		t.Fatalf("%s: calls %q; want %q", when, r.calls, want)
	}
}

// Once writing resumes after output was dropped, OnResume tells it with
// the final count: nothing was told when it resumed, and what was dropped
// after the last warning was told only by the trailing OnError call,
// which superd logs like any warning, or not at all if Close came first.
// Within a second of the last call the resumption waits for the trailing
// call, which it replaces; later it is told at once. Each episode of lost
// output is counted on its own, and a write that succeeds between two
// failures within a second does not end it for the calls.
func TestResumptionTellsTheFinalCount(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n = 1000
		r := newResumeRecorder(t)
		defer r.w.stats.stop()

		r.failing(true)
		r.output(t, n) // fails: told at once
		time.Sleep(2 * resourceRetry)
		r.output(t, n) // fails again within the second: owed
		r.failing(false)
		r.output(t, n) // written: the resumption waits for the second to end
		r.check(t, "writing resumed within a second of the warning", "error 1000")
		time.Sleep(errorInterval)
		r.check(t, "a second after the warning", "error 1000", "resumed 2000/2000")
		time.Sleep(5 * errorInterval)
		r.check(t, "seconds later", "error 1000", "resumed 2000/2000")

		// A second episode, after a quiet second: its failure and its
		// resumption a second later are told at once, the resumption
		// with its own count.
		r.failing(true)
		r.output(t, n)
		r.check(t, "the second episode began", "error 1000", "resumed 2000/2000", "error 3000")
		time.Sleep(errorInterval)
		r.failing(false)
		r.output(t, n)
		r.check(t, "the second episode ended", "error 1000", "resumed 2000/2000", "error 3000", "resumed 1000/3000")

		// A third one, whose writes fail and succeed by turns: one
		// resumption, a second after the warning, for all of it.
		time.Sleep(5 * errorInterval)
		r.failing(true)
		r.output(t, n)
		r.failing(false)
		r.output(t, n)
		r.failing(true)
		r.output(t, n)
		r.failing(false)
		r.output(t, n)
		r.check(t, "the third episode, within its first second", "error 1000", "resumed 2000/2000", "error 3000", "resumed 1000/3000",
			"error 4000")
		time.Sleep(errorInterval)
		r.check(t, "the third episode ended", "error 1000", "resumed 2000/2000", "error 3000", "resumed 1000/3000",
			"error 4000", "resumed 2000/5000")
	})
}

// A resumption still owed when the stream closes is told by Close, with
// the final count, as the last count of dropped output used to be.
func TestStreamCloseTellsAResumption(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n = 1000
		r := newResumeRecorder(t)

		r.failing(true)
		r.output(t, n) // told at once
		time.Sleep(2 * resourceRetry)
		r.output(t, n) // owed
		r.failing(false)
		r.output(t, n) // resumed, owed
		r.w.stats.stop()
		r.check(t, "the stream closed", "error 1000", "resumed 2000/2000")
		time.Sleep(5 * errorInterval)
		r.check(t, "after Close", "error 1000", "resumed 2000/2000")
	})
}

// A successful write of a stream that never dropped anything does not take
// the stats' lock: it is on every write's path.
func TestWroteWithoutDropsTakesNoLock(t *testing.T) {
	s := &streamStats{cb: &callbacks{onResume: func(Stream, Resumption) {}}}
	s.mu.Lock()
	done := make(chan struct{})
	go func() {
		s.wrote()
		close(done)
	}()
	select {
	case <-done:
		s.mu.Unlock()
	case <-time.After(10 * time.Second):
		s.mu.Unlock()
		<-done
		t.Fatal("wrote waited for the lock with nothing dropped")
	}
}

// Without OnError, a failure makes no call, so it does not start the
// second the next call waits for: writing resumed right after it is told
// at once, not by the trailing call.
func TestResumptionWithoutOnErrorIsToldAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n = 1000
		r := newResumeRecorder(t)
		r.w.stats.cb.onError = nil
		defer r.w.stats.stop()

		r.failing(true)
		r.output(t, n)
		r.failing(false)
		r.output(t, n)
		r.check(t, "writing resumed", "resumed 1000/1000")
	})
}
