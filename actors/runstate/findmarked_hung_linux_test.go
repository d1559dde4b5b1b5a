//go:build linux

package runstate

import (
	"fmt"
	"os/exec"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/supers-dev/supers/actors/process"
)

// hungReader reads environments with a real probe, but for process hung,
// whose reads do not answer (a process stuck in the kernel with its
// memory-map lock held) once answered of them have.
type hungReader struct {
	real     *process.EnvironProbe
	hung     int
	answered *atomic.Int64 // reads of hung that answered; nil: none does
	answers  int64
}

func (r hungReader) Environ(pid int, waiting func() bool) ([]byte, error) {
	if pid == r.hung && (r.answered == nil || r.answered.Add(1) > r.answers) {
		return nil, fmt.Errorf("environ %d: %w", pid, process.ErrNoAnswer)
	}
	return r.real.Environ(pid, waiting)
}

// A marked process whose environment does not answer is not found, but
// returned apart, for KillStale to say that it was not checked; the same
// process is found when its environment answers.
func TestFindMarkedReturnsTheUnanswered(t *testing.T) {
	cmd := exec.Command("/bin/sleep", "608")
	cmd.Env = []string{markerEnv("web")}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	pid := cmd.Process.Pid
	has := func(found []marked) bool {
		return slices.ContainsFunc(found, func(m marked) bool { return m.ref.pid == pid && m.service == "web" })
	}
	// Read until the child shows its environment (it may still be in its
	// exec): found.
	waitFor(t, "the child found by its marker", func() bool {
		found, _, err := findMarkedWith([]string{markerTest}, process.NewEnvironProbe(), maxUnanswered)
		return err == nil && has(found)
	})
	found, unanswered, err := findMarkedWith([]string{markerTest}, hungReader{real: process.NewEnvironProbe(), hung: pid}, maxUnanswered)
	if err != nil || has(found) || !slices.Equal(unanswered, []int{pid}) {
		t.Errorf("with its read hung: found %v, unanswered %v, %v; want it unanswered alone", found, unanswered, err)
	}
	// Stuck between the first look, which saw the marker, and the read
	// that confirms it: unanswered too.
	found, unanswered, err = findMarkedWith([]string{markerTest}, hungReader{real: process.NewEnvironProbe(), hung: pid, answered: new(atomic.Int64), answers: 1}, maxUnanswered)
	if err != nil || has(found) || !slices.Equal(unanswered, []int{pid}) {
		t.Errorf("with its second read hung: found %v, unanswered %v, %v; want it unanswered alone", found, unanswered, err)
	}
}

// noAnswer reads no environment at all, counting the reads.
type noAnswer struct{ reads *atomic.Int64 }

func (r noAnswer) Environ(pid int, _ func() bool) ([]byte, error) {
	r.reads.Add(1)
	return nil, fmt.Errorf("environ %d: %w", pid, process.ErrNoAnswer)
}

// Once maxUnanswered reads did not answer (a machine stuck on a hung
// mount), the scan reads no more: every process is returned as
// unanswered, and the reads that may hang are bounded. (A bound of 3 here:
// a test machine may have fewer processes than maxUnanswered.)
func TestFindMarkedBoundsTheUnanswered(t *testing.T) {
	pids, err := otherPIDs()
	if err != nil {
		t.Fatal(err)
	}
	const bound = 3
	var reads atomic.Int64
	found, unanswered, err := findMarkedWith([]string{markerTest}, noAnswer{&reads}, bound)
	if err != nil || len(found) != 0 {
		t.Fatalf("found %v, %v; want none", found, err)
	}
	if n := reads.Load(); n > bound+scanWorkers {
		t.Errorf("%d reads, want at most %d", n, bound+scanWorkers)
	}
	// Processes come and go meanwhile: about as many as listed.
	if len(pids) > 2*(bound+scanWorkers) && len(unanswered) < len(pids)/2 {
		t.Errorf("%d unanswered of some %d processes, want all", len(unanswered), len(pids))
	}
}
