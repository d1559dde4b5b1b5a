package actors

import (
	"context"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"
)

// Commands that wait together for the supervisor to be ready send their
// messages in the order they were asked: released at once, they raced, and
// a stop asked before a start could be sent after it (and win).
func TestCmdOrderKeepsTheOrderOfAsking(t *testing.T) {
	var (
		o     cmdOrder
		ready = make(chan struct{})
		mu    sync.Mutex
		got   []int
		wg    sync.WaitGroup
	)
	const n = 50
	want := make([]int, n)
	for i := range n {
		want[i] = i
		ticket := o.enter() // asked in this order
		wg.Go(func() {
			<-ready
			if err := ticket.wait(context.Background()); err != nil {
				t.Error(err)
			}
			mu.Lock()
			got = append(got, i)
			mu.Unlock()
			ticket.resolve(true)
		})
	}
	close(ready)
	wg.Wait()
	if !slices.Equal(got, want) {
		t.Errorf("sent in the order %v, want the order asked", got)
	}
}

// A command that gives up while queued (its client gone) does not let the
// one after it send before those asked before it (it let it go at once,
// and the race was back), and leaves no goroutine behind while they wait.
func TestCmdOrderGivingUpKeepsTheOrder(t *testing.T) {
	var o cmdOrder
	a := o.enter()
	goroutines := runtime.NumGoroutine()
	for range 1000 {
		o.enter().resolve(false)
	}
	if n := runtime.NumGoroutine(); n > goroutines {
		t.Errorf("%d goroutines after 1000 give-ups, %d before", n, goroutines)
	}
	c := o.enter()
	waited := make(chan error, 1)
	go func() { waited <- c.wait(context.Background()) }()
	select {
	case <-waited:
		t.Fatal("C may send now, though A, asked before it, has not sent yet")
	case <-time.After(50 * time.Millisecond):
	}
	a.resolve(true)
	select {
	case err := <-waited:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("C still waits once A has sent and those between gave up")
	}
	// One whose context ends while it waits gives that up.
	d, e := o.enter(), o.enter()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := e.wait(ctx); err == nil {
		t.Error("wait with its context ended returned nil")
	}
	d.resolve(true)
}
