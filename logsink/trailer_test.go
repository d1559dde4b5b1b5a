package logsink

import (
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// The trailing report of dropped output comes on a timer, errorInterval (a
// second) after the call it follows. These tests run in a synctest bubble,
// whose fake clock fires such timers at once and in a set order, and
// drive one stream's writer on a full disk as its run would.

// dropRecorder is a stream writer on a full disk whose OnError calls it
// records, each with the bytes dropped when it was made (what superd's
// report of it tells). It can hold the next call under way.
type dropRecorder struct {
	w    *streamWriter
	disk *fullDisk

	mu         sync.Mutex
	counts     []uint64      // BytesDropped at each OnError call, in the order they began
	inCall     int           // calls under way
	overlapped bool          // a call began while another was under way
	hold       chan struct{} // if not nil, the next call waits until it is closed
	held       chan struct{} // closed when that call has begun
}

func newDropRecorder(t *testing.T) *dropRecorder {
	t.Helper()
	disk := new(fullDisk)
	disk.full.Store(true)
	r := &dropRecorder{disk: disk}
	o, err := Options{Dir: t.TempDir(), OnError: r.onError}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	r.w = newStreamWriter(Stdout, o, &callbacks{onError: o.OnError, onResume: o.OnResume}, disk.wrap)
	// monotonic counts from the package's start on the real clock: in the
	// bubble, whose clock starts in 2000, it is far below zero, and the
	// zero retryAt would be a retry pause still running.
	r.w.retryAt = monotonic()
	return r
}

func (r *dropRecorder) onError(Stream, error) {
	r.mu.Lock()
	r.counts = append(r.counts, r.w.stats.dropped.Load())
	r.inCall++
	r.overlapped = r.overlapped || r.inCall > 1
	hold, held := r.hold, r.held
	r.hold, r.held = nil, nil
	r.mu.Unlock()
	if hold != nil {
		close(held)
		<-hold
	}
	r.mu.Lock()
	r.inCall--
	r.mu.Unlock()
}

// holdNext makes the next OnError call wait until release is called;
// begun is closed once it is under way.
func (r *dropRecorder) holdNext() (begun <-chan struct{}, release func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	hold, held := make(chan struct{}), make(chan struct{})
	r.hold, r.held = hold, held
	return held, func() { close(hold) }
}

func (r *dropRecorder) calls() []uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]uint64(nil), r.counts...)
}

// output has the writer write n bytes, as its run does with a chunk it
// takes from the queue: on the full disk they are dropped, tried or not.
func (r *dropRecorder) output(t *testing.T, n int) {
	t.Helper()
	if res := r.w.queue.tryPush(make([]byte, n), 0, nil); res != pushed {
		t.Fatalf("chunk not queued: %v", res)
	}
	chunks, _ := r.w.queue.take(nil)
	for _, c := range chunks {
		r.w.write(c.b, len(c.b), lead{})
	}
}

// holdTrailer stops the timer of the pending trailing call before it fires
// and returns that call, to be run later: the trailer's goroutine running
// late after its timer fired.
func holdTrailer(t *testing.T, s *streamStats) func() {
	t.Helper()
	s.mu.Lock()
	tm := s.errs.trailer
	s.mu.Unlock()
	if tm == nil || !tm.Stop() {
		t.Fatal("no trailing call pending")
	}
	return s.trail
}

// Output dropped without trying (the resourceRetry after a full disk) once
// a trailing call has found nothing owed is reported by a trailing call of
// its own: it used to be counted, and told only when the stream closed.
// That happens when the trailer's goroutine runs late: the failure that
// starts the retry pause is reported on its own, a second after the last
// call, and the trailer then finds nothing owed.
func TestDropsNotTriedAfterAQuietTrailerAreReported(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n = 1000
		r := newDropRecorder(t)
		defer r.w.stats.stop()

		r.output(t, n) // fails: reported at once, a trailing call armed
		time.Sleep(errorInterval - time.Millisecond)
		late := holdTrailer(t, &r.w.stats)
		time.Sleep(time.Millisecond)
		r.output(t, n) // fails again, a second after the first report: reported at once
		late()         // finds nothing owed
		r.output(t, n) // within resourceRetry of the failure: dropped without trying
		if got, tries := r.w.stats.dropped.Load(), r.disk.tries.Load(); got != 3*n || tries != 2 {
			t.Fatalf("%d bytes dropped after %d writes tried; want %d after 2", got, tries, 3*n)
		}
		time.Sleep(2 * errorInterval)
		synctest.Wait()
		calls := r.calls()
		if len(calls) == 0 || calls[len(calls)-1] != 3*n {
			t.Fatalf("OnError saw the dropped counts %v before the stream closed; want the last to be %d", calls, 3*n)
		}
	})
}

// Closing a stream waits for a trailing OnError call under way, then makes
// its final report: no OnError call comes after Close returns, and the
// final count of dropped output is the last one told. Close used to return while the trailing
// call was still under way, and to make its final report beside it.
func TestStreamCloseWaitsForATrailingReport(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n = 1000
		r := newDropRecorder(t)

		r.output(t, n) // fails: reported at once, a trailing call armed
		time.Sleep(2 * resourceRetry)
		r.output(t, n) // fails again within the second: left to the trailing call
		begun, release := r.holdNext()
		time.Sleep(errorInterval)
		<-begun        // the trailing call is under way
		r.output(t, n) // fails again meanwhile: owed to the final report
		stopped := make(chan struct{})
		go func() {
			defer close(stopped)
			r.w.stats.stop() // what the stream's last run does when the Sink closes
		}()
		synctest.Wait()
		select {
		case <-stopped:
			t.Error("the stream closed while a trailing OnError call was under way")
		default:
		}
		release()
		<-stopped
		calls := r.calls()
		if want := []uint64{n, 2 * n, 3 * n}; !slices.Equal(calls, want) {
			t.Errorf("OnError saw the dropped counts %v, want %v: the final count last, told at close", calls, want)
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.overlapped {
			t.Error("the final report was made while the trailing call was under way")
		}
	})
}
