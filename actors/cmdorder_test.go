package actors

import (
	"slices"
	"sync"
	"testing"
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
		prev, sent := o.enter() // asked in this order
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
