package actors

import (
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
	for i := range n {
		prev, sent, _ := o.enter() // asked in this order
		wg.Go(func() {
			<-ready
			if prev != nil {
				<-prev
			}
			mu.Lock()
			got = append(got, i)
			mu.Unlock()
			sent()
		})
	}
	close(ready)
	wg.Wait()
	if want := func() []int {
		s := make([]int, n)
		for i := range s {
			s[i] = i
		}
		return s
	}(); !slices.Equal(got, want) {
		t.Errorf("sent in the order %v, want the order asked", got)
	}
}

// A command that gives up while queued (its client gone) does not let the
// one after it send before those asked before it: it let it go at once,
// and the race was back.
func TestCmdOrderGivingUpKeepsTheOrder(t *testing.T) {
	var o cmdOrder
	_, sentA, _ := o.enter()
	prevB, _, gaveUpB := o.enter()
	prevC, _, _ := o.enter()
	if prevB == nil || prevC == nil {
		t.Fatal("commands queued behind another must wait")
	}
	gaveUpB()
	select {
	case <-prevC:
		t.Fatal("C may send now, though A, asked before it, has not sent yet")
	case <-time.After(50 * time.Millisecond):
	}
	sentA()
	select {
	case <-prevC:
	case <-time.After(10 * time.Second):
		t.Fatal("C still waits once A has sent and B gave up")
	}
}
