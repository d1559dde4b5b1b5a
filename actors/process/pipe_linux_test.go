//go:build linux

package process

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// PipeID gives a pipe's inode number, as /proc/PID/fd shows it, and 0 for
// anything else; HoldsPipeAsOutput finds it as a process's stdout or
// stderr, HoldsPipe on any descriptor.
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
	if id := PipeID(nil); id != 0 {
		t.Errorf("PipeID(nil) = %d, want 0", id)
	}
	// This process's stdout and stderr are not that pipe, which it holds
	// on other descriptors; a child's stderr is.
	if HoldsPipeAsOutput(os.Getpid(), []uint64{id}) {
		t.Error("HoldsPipeAsOutput found a pipe this process does not hold as stdout or stderr")
	}
	if !HoldsPipe(os.Getpid(), []uint64{id}) {
		t.Error("HoldsPipe did not find a pipe this process holds on another descriptor")
	}
	if HoldsPipe(os.Getpid(), nil) {
		t.Error("HoldsPipe found a pipe among none")
	}
	cmd := exec.Command("sleep", "60")
	cmd.Stderr = w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	if !HoldsPipeAsOutput(cmd.Process.Pid, []uint64{id + 1, id}) {
		t.Error("HoldsPipeAsOutput did not find the pipe a child holds as its stderr")
	}
	if !HoldsPipe(cmd.Process.Pid, []uint64{id + 1, id}) {
		t.Error("HoldsPipe did not find the pipe a child holds as its stderr")
	}
}
