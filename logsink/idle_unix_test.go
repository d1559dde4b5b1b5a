//go:build unix

package logsink

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"
)

// idleSinks is how many idle Sinks TestIdleSinksFootprint opens: superd must
// run 1000 logged services in 20 MiB.
const idleSinks = 1000

// maxIdleHeap bounds the live heap of one idle Sink with its pipes and
// reader goroutines, or its registration with a Poller (before the change
// that brought this test: 270 KB).
const maxIdleHeap = 4 << 10

// footprint is what the process holds after GC.
type footprint struct {
	live       int64 // HeapAlloc: bytes of live objects
	heap       int64 // HeapInuse: bytes of the spans that hold them
	stacks     int64 // StackInuse: bytes of goroutine stacks
	goroutines int
}

func measure() footprint {
	runtime.GC()
	runtime.GC() // the second one also empties the sync.Pools' victim caches
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return footprint{
		live:       int64(m.HeapAlloc),
		heap:       int64(m.HeapInuse),
		stacks:     int64(m.StackInuse),
		goroutines: runtime.NumGoroutine(),
	}
}

func (f footprint) minus(g footprint) footprint {
	return footprint{f.live - g.live, f.heap - g.heap, f.stacks - g.stacks, f.goroutines - g.goroutines}
}

// TestIdleSinksFootprint opens many Sinks, each with a pair of pipes whose
// write ends stay open as a sleeping child's would, and checks what they cost
// while nothing is written: no buffers and no goroutines but the two pipe
// readers of each, or none with a Poller.
func TestIdleSinksFootprint(t *testing.T) { bothModes(t, testIdleSinksFootprint) }

func testIdleSinksFootprint(t *testing.T, p *Poller) {
	n := idleSinks
	if testing.Short() {
		n = 100
	}
	root := t.TempDir()
	var (
		sinks []*Sink
		ends  []*os.File
	)
	t.Cleanup(func() {
		for _, f := range ends {
			_ = f.Close()
		}
		var wg sync.WaitGroup
		for _, s := range sinks {
			wg.Go(func() { _ = s.Close() })
		}
		wg.Wait()
	})
	before := measure()
	for i := range n {
		s, err := Open(Options{Dir: filepath.Join(root, fmt.Sprint(i)), RotateEvery: 24 * time.Hour, Poller: p})
		if err != nil {
			t.Fatal(err)
		}
		sinks = append(sinks, s)
		stdout, stderr, err := s.Pipes()
		if errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) {
			t.Skipf("%d idle Sinks need %d file descriptors: %v", n, 4*n, err)
		}
		if err != nil {
			t.Fatal(err)
		}
		ends = append(ends, stdout, stderr)
	}
	// Every reader is started; wait until each is parked on its empty pipe
	// (or the Poller on its epoll descriptor).
	parked := 2 * n
	if p != nil {
		parked = 1
	}
	waitFor(t, "the readers to park", func() bool { return parkedReaders() == parked })
	after := measure()

	d := after.minus(before)
	t.Logf("%d idle Sinks: heap: %.2f MiB live (%d B per Sink), %.2f MiB in use; goroutine stacks %.2f MiB; %d goroutines",
		n, mib(d.live), d.live/int64(n), mib(d.heap), mib(d.stacks), d.goroutines)
	if want := n * readerGoroutines(p); d.goroutines != want {
		t.Errorf("%d goroutines for %d idle Sinks, want %d: the pipe readers only", d.goroutines, n, want)
	}
	if d.live > int64(n)*maxIdleHeap {
		t.Errorf("%d idle Sinks hold %d B of heap, want at most %d B each", n, d.live, maxIdleHeap)
	}
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }
