//go:build linux

package runstate

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// PipeID gives a pipe's inode number, as /proc/PID/fd shows it, and 0 for
// anything else; holdsPipe finds it as a process's stdout or stderr.
func TestPipeID(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	id := PipeID(w)
	link, err := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", w.Fd()))
	if err != nil || id == 0 || link != fmt.Sprintf("pipe:[%d]", id) {
		t.Fatalf("PipeID = %d, fd link %q (%v)", id, link, err)
	}
	f, err := os.CreateTemp(t.TempDir(), "x")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if id := PipeID(f); id != 0 {
		t.Errorf("PipeID of a regular file = %d, want 0", id)
	}
	// This process's stdout and stderr are not that pipe; a child's are.
	if holdsPipe(os.Getpid(), []uint64{id}) {
		t.Error("holdsPipe found a pipe this process does not hold as stdout or stderr")
	}
	cmd := exec.Command("sleep", "60")
	cmd.Stderr = w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	if !holdsPipe(cmd.Process.Pid, []uint64{id + 1, id}) {
		t.Error("holdsPipe did not find the pipe a child holds as its stderr")
	}
}
