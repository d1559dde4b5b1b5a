//go:build unix

package process

import (
	"sync/atomic"
	"testing"
	"time"
)

// A look that does not return within the wait reports false; until it
// returns, the looks of the same key report false at once without running
// (one goroutine per hung key, however often it is tried), and those of
// another key run; once it returns, its key is looked at again.
func TestProbesLookBoundsHungLooks(t *testing.T) {
	// A wait long enough for any look that does not hang, however busy
	// the machine; the hung one is released by the test.
	p := &probes{wait: 50 * time.Millisecond, hung: make(map[string]chan struct{})}
	release := make(chan struct{})
	var ran atomic.Int32
	hang := func() { ran.Add(1); <-release }
	// The first look of a hung key times out, after a wait made short
	// for that look alone.
	if p.look("a", hang) {
		t.Fatal("a look that hangs reported done")
	}
	p.wait = 10 * time.Second // read by look in this goroutine only
	for range 5 {
		if p.look("a", hang) { // would wait 10 s if it ran
			t.Fatal("a look of a hung key reported done")
		}
	}
	if n := ran.Load(); n != 1 {
		t.Errorf("%d looks of the hung key ran, want 1", n)
	}
	set := false
	if !p.look("b", func() { set = true }) || !set {
		t.Error("a look of another key did not run")
	}
	close(release)
	deadline := time.Now().Add(10 * time.Second)
	for {
		p.mu.Lock()
		_, hung := p.hung["a"]
		p.mu.Unlock()
		if !hung {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the hung key was not cleared once its look returned")
		}
		time.Sleep(time.Millisecond)
	}
	if !p.look("a", func() { ran.Add(1) }) || ran.Load() != 2 {
		t.Errorf("a look of the key once it answered again: ran %d times in all, want 2", ran.Load())
	}
}
