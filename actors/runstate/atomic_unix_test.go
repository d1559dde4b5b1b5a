//go:build unix

package runstate

import (
	"os"
	"sync"
	"sync/atomic"
	"testing"
)

// TestWritesAreAtomic rewrites the file 1000 times while another goroutine
// reads and parses it in a loop: every read must see a complete file.
// (Unix only: on Windows a reader holding the file open makes the rename
// fail, a retried write rather than a torn file.)
func TestWritesAreAtomic(t *testing.T) {
	const writes = 1000
	path := statePath(t)
	s, _ := open(t, path)
	if err := s.SetStopped("batch", true); err != nil {
		t.Fatal(err)
	}
	if err := s.SetRunning(Record{Service: "web", PID: 1, PGID: 1, StartTime: 1}); err != nil {
		t.Fatal(err)
	}

	stop := make(chan struct{})
	var reads atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Errorf("read: %v", err)
				return
			}
			st, err := decode(b)
			if err != nil {
				t.Errorf("read %d: %v in %q", reads.Load(), err, b)
				return
			}
			if len(st.Processes) != 1 || len(st.Stopped) != 1 {
				t.Errorf("read %d: unexpected state %+v", reads.Load(), st)
				return
			}
			reads.Add(1)
		}
	})
	for i := range writes {
		// Pids of 1 to 10 digits vary the size of the file.
		pid := 2 + i*i*i
		if err := s.SetRunning(Record{Service: "web", PID: pid, PGID: pid, StartTime: uint64(i + 1)}); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	t.Logf("%d writes, %d consistent reads", writes, reads.Load())
}
