//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"
)

// A process of a service that left the service's process group and
// session (setsid) and cleared its environment (env -i), so that it
// carries no marker, but holds the service's stdout and stderr pipes, is
// stopped by the superd started after a SIGKILL of the one that ran it:
// the state file records the pipes, and the process holding one is the
// service's wherever it is. It used to run on beside the new copy that
// the new superd starts.
func TestDetachedPipeHolderStoppedAfterSuperdKill(t *testing.T) {
	t.Parallel()
	token := fmt.Sprintf("detached-%d-%d", os.Getpid(), time.Now().UnixNano())
	// The detached shell keeps the token in its command line (the
	// service's own has it not: a script), and its sleep, a child in its
	// session, the pipes too.
	dir := t.TempDir()
	script := filepath.Join(dir, "daemon.sh")
	writeMode(t, script, `setsid env -i /bin/sh -c 'sleep 1000; :' `+token+` &
exec /bin/sleep 1000
`, 0o755)
	d := newDaemon(t, map[string]string{"daemon.service": "[Service]\nExecStart=/bin/sh " + script + "\n"})
	var groups []int // of the detached shells seen: their sleeps go too
	t.Cleanup(func() {
		for _, pgid := range groups {
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
		}
	})
	envClearGuard(t, token)
	d.start()
	leader := d.waitRunning("daemon").PID
	var first []int
	waitFor(t, 20*time.Second, "the detached shell, in a session of its own, with no environment", func() bool {
		first = envClearLeft(token)
		if len(first) != 1 {
			return false
		}
		if !slices.Contains(groups, first[0]) {
			groups = append(groups, first[0])
		}
		p, err := readProc(first[0])
		env, eerr := os.ReadFile(fmt.Sprintf("/proc/%d/environ", first[0]))
		return err == nil && p.pgid == first[0] && eerr == nil && len(env) == 0
	})
	// The state file is written in batches: a superd killed before it
	// recorded the service's process leaves nothing to find it by.
	waitFor(t, 20*time.Second, "the state file to record the service's pipes", func() bool {
		b, err := os.ReadFile(d.socket + ".state")
		var st struct {
			Processes []struct {
				PID   int      `json:"pid"`
				Pipes []uint64 `json:"pipes"`
			} `json:"processes"`
		}
		return err == nil && json.Unmarshal(b, &st) == nil && len(st.Processes) == 1 &&
			st.Processes[0].PID == leader && len(st.Processes[0].Pipes) > 0
	})

	next := d.restartAfterKill()
	st := next.waitRunning("daemon")
	next.track(st.PID)
	if alive(first[0]) {
		t.Errorf("the detached shell %d of the service's previous process still runs after the restart of superd", first[0])
	}
	waitFor(t, 20*time.Second, "the new process's detached shell", func() bool {
		left := envClearLeft(token)
		for _, pid := range left {
			if !slices.Contains(groups, pid) {
				groups = append(groups, pid)
			}
		}
		return len(left) == 1 && !slices.Contains(left, first[0])
	})
	if err := next.terminate(); err != nil {
		t.Fatalf("superd: %v", err)
	}
}
