//go:build unix && !linux

package runstate

import (
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// TestKillStaleUnsupported checks that, without start times to prove the
// identity of a process, KillStale kills nothing.
func TestKillStaleUnsupported(t *testing.T) {
	cmd := exec.Command("sleep", "60")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	pid := cmd.Process.Pid
	st := State{Processes: []Record{{Service: "web", PID: pid, PGID: pid, StartTime: 1}}, BootID: "boot"}
	if killed := KillStale(t.Context(), st, termAfter(time.Second), testLogger(t)); killed != nil {
		t.Errorf("killed %+v", killed)
	}
	if err := syscall.Kill(pid, 0); err != nil {
		t.Errorf("the process is gone: %v", err)
	}
}
