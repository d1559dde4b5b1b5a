//go:build linux

package runstate

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/supers-dev/supers/actors/process"
)

// ownGroupEnv makes the test binary run ownGroupHelper (see TestMain).
const ownGroupEnv = "RUNSTATE_TEST_OWN_GROUP"

// ownGroupHelper is a superd started by a process of a service of the
// superd before it, in that service's process group (a script that killed
// the old superd and started the new one without a session of its own):
// the recorded group holds this process. It runs KillStale on a record of
// that group, whose leader is a sleep of its own, then says whether the
// sleep was killed. A signal to the group would have killed this process
// too, before it could say anything.
func ownGroupHelper() int {
	sleep := exec.Command("sleep", "614") // in this process's group
	if err := sleep.Start(); err != nil {
		fmt.Println("error:", err)
		return 1
	}
	start, err := process.ProcStartTime(sleep.Process.Pid)
	boot, berr := bootID()
	if err != nil || berr != nil {
		_ = sleep.Process.Kill()
		fmt.Println("error:", err, berr)
		return 1
	}
	st := State{Processes: []Record{{Service: "web", PID: sleep.Process.Pid, PGID: syscall.Getpgrp(), StartTime: start}}, BootID: boot}
	KillStale(context.Background(), st, termAfter(deadline), slog.New(slog.NewTextHandler(os.Stderr, nil)))
	err = sleep.Wait()
	fmt.Printf("alive; the sleep: %v\n", err)
	return 0
}

// KillStale never signals a process group that superd (or an ancestor of
// it) is in: it stops the group's identified processes one by one. It
// signalled the group, and killed the superd doing the cleanup.
func TestKillStaleSparesItsOwnGroup(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), ownGroupEnv+"=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // not the test's group
	cmd.Stderr = testWriter{t}
	done := make(chan struct{})
	var (
		out []byte
		err error
	)
	go func() {
		defer close(done)
		out, err = cmd.Output()
	}()
	select {
	case <-done:
	case <-time.After(deadline):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
		t.Fatal("the helper did not end")
	}
	if err != nil || !strings.HasPrefix(string(out), "alive; the sleep: signal: terminated") {
		t.Fatalf("the superd in the recorded group: %v, output %q; want it alive, and its sleep terminated", err, out)
	}
}
