//go:build linux

package runstate

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/supers-dev/supers/actors/process"
)

// readers reads environments and output pipes each with its own reader.
type readers struct {
	environReader
	pipeReader
}

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
		found, _, err := findLeftoversWith([]string{markerTest}, nil, readers{process.NewEnvironProbe(), newPipeProbe()}, maxUnanswered)
		return err == nil && has(found)
	})
	found, unanswered, err := findLeftoversWith([]string{markerTest}, nil, readers{hungReader{real: process.NewEnvironProbe(), hung: pid}, newPipeProbe()}, maxUnanswered)
	if err != nil || has(found) || !slices.Equal(unanswered, []int{pid}) {
		t.Errorf("with its read hung: found %v, unanswered %v, %v; want it unanswered alone", found, unanswered, err)
	}
	// Stuck between the first look, which saw the marker, and the read
	// that confirms it: unanswered too.
	found, unanswered, err = findLeftoversWith([]string{markerTest}, nil, readers{hungReader{real: process.NewEnvironProbe(), hung: pid, answered: new(atomic.Int64), answers: 1}, newPipeProbe()}, maxUnanswered)
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
	found, unanswered, err := findLeftoversWith([]string{markerTest}, nil, readers{noAnswer{&reads}, newPipeProbe()}, bound)
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

// noPipes reads no output pipes at all, counting the reads.
type noPipes struct{ reads *atomic.Int64 }

func (r noPipes) OutputPipes(pid int) ([]uint64, error) {
	r.reads.Add(1)
	return nil, fmt.Errorf("descriptors of %d: %w", pid, process.ErrNoAnswer)
}

// The reads of descriptors are bounded as the reads of environments are:
// once maxUnanswered did not answer, no more are made.
func TestFindLeftoversBoundsTheUnansweredPipes(t *testing.T) {
	const bound = 3
	var envReads, pipeReads atomic.Int64
	found, unanswered, err := findLeftoversWith(nil, map[uint64]*pipeOwner{1: {service: "web"}}, readers{noAnswer{&envReads}, noPipes{&pipeReads}}, bound)
	if err != nil || len(found) != 0 {
		t.Fatalf("found %v, %v; want none", found, err)
	}
	if n := envReads.Load(); n != 0 {
		t.Errorf("%d reads of environments without a marker to look for, want none", n)
	}
	if n := pipeReads.Load(); n > bound+scanWorkers {
		t.Errorf("%d reads of descriptors, want at most %d", n, bound+scanWorkers)
	}
	if len(unanswered) == 0 {
		t.Error("no process unanswered")
	}
}

// A read of a process's descriptors that does not answer is given up
// after the probe's bound, with an error matching process.ErrNoAnswer.
func TestPipeProbeGivesUp(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	p := &pipeProbe{wait: 10 * time.Millisecond, read: func(int) []uint64 {
		<-release
		return nil
	}}
	if _, err := p.OutputPipes(os.Getpid()); !errors.Is(err, process.ErrNoAnswer) {
		t.Errorf("a read that hangs: %v, want %v", err, process.ErrNoAnswer)
	}
	if held, err := newPipeProbe().OutputPipes(os.Getpid()); err != nil {
		t.Errorf("this process's pipes: %v, %v", held, err)
	}
}
