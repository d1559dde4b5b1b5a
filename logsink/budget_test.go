package logsink

import (
	"errors"
	"testing"
)

// A Budget bounds the unwritten output of all the Sinks sharing it: behind
// a hung disk, one Sink's queue holds at most the budget (not its own,
// larger, QueueBytes); another Sink's output is dropped at once, and
// counted as ErrBudgetFull, while the budget is spent; once the disk
// moves, the budget is given back and output is written again.
func TestBudgetBoundsAllSinksTogether(t *testing.T) {
	t.Parallel()
	bothModes(t, testBudgetBoundsAllSinksTogether)
}

func testBudgetBoundsAllSinksTogether(t *testing.T, p *Poller) {
	const limit = 4 * chunkSize
	budget := NewBudget(limit)
	g := newGate()
	var hungLog, otherLog errorLog
	hung := openWrapped(t, Options{Budget: budget, OnError: hungLog.onError, Poller: p}, g.wrap(Stdout))
	t.Cleanup(g.open) // runs before the Sinks' Close if the test fails
	other := openSink(t, Options{Budget: budget, OnError: otherLog.onError, Poller: p})

	hungOut, _ := pipes(t, hung)
	go func() { _, _ = hungOut.Write(randomBytes(1, 16*chunkSize)) }() // more than the budget, less than QueueBytes
	<-g.entered
	waitFor(t, "the budget to be spent", func() bool { return budget.Used() > limit-chunkSize })
	if used := budget.Used(); used > limit {
		t.Fatalf("budget used %d, more than its %d", used, limit)
	}
	waitFor(t, "the hung sink to drop what the budget refuses", func() bool {
		return hungLog.has(Stdout, func(err error) bool { return errors.Is(err, ErrBudgetFull) })
	})

	otherOut, _ := pipes(t, other)
	mustWrite(t, otherOut, []byte("lost while the budget is spent\n"))
	waitFor(t, "the other sink to drop its output", func() bool {
		return other.Stats().Stdout.BytesDropped > 0
	})
	if !otherLog.has(Stdout, func(err error) bool { return errors.Is(err, ErrBudgetFull) }) {
		t.Error("the other sink's drop was not reported as ErrBudgetFull")
	}

	g.open()
	waitFor(t, "the budget to be given back", func() bool { return budget.Used() == 0 })
	mustWrite(t, otherOut, []byte("written\n"))
	waitWritten(t, other, Stdout, uint64(len("written\n")))
}
