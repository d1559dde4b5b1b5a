//go:build linux

package runstate

import (
	"fmt"
	"os/exec"
	"slices"
	"testing"

	"github.com/supers-dev/supers/actors/process"
)

// hungReader reads environments with a real probe, but for process hung,
// whose read does not answer (a process stuck in the kernel with its
// memory-map lock held).
type hungReader struct {
	real *process.EnvironProbe
	hung int
}

func (r hungReader) Environ(pid int, waiting func() bool) ([]byte, error) {
	if pid == r.hung {
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
		found, _, err := findMarkedWith(markerTest, process.NewEnvironProbe())
		return err == nil && has(found)
	})
	found, unanswered, err := findMarkedWith(markerTest, hungReader{real: process.NewEnvironProbe(), hung: pid})
	if err != nil || has(found) || !slices.Equal(unanswered, []int{pid}) {
		t.Errorf("with its read hung: found %v, unanswered %v, %v; want it unanswered alone", found, unanswered, err)
	}
}
