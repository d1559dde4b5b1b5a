//go:build linux

package process

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// sigIgn returns the SigIgn field of /proc/PID/status.
func sigIgn(pid int) (uint64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if hex, ok := strings.CutPrefix(line, "SigIgn:"); ok {
			return strconv.ParseUint(strings.TrimSpace(hex), 16, 64)
		}
	}
	return 0, fmt.Errorf("no SigIgn in /proc/%d/status", pid)
}

// startedSigIgn starts a `sleep 60` with m, with spec's settings, reads the
// child's SigIgn, kills it and waits for its exit.
func startedSigIgn(m *Manager, spec Spec) (uint64, error) {
	spec.Argv = []string{"sleep", "60"}
	exited := make(chan Exit, 1)
	h, err := m.Start(spec, func(e Exit) { exited <- e })
	if err != nil {
		return 0, err
	}
	mask, err := sigIgn(h.PID)
	_ = SignalGroup(h.PGID, "SIGKILL")
	select {
	case <-exited:
	case <-time.After(deadline):
		return 0, errors.New("no exit")
	}
	return mask, err
}

// sigIgnHelper runs a subreaper Manager, as superd does, starts a sleep and
// prints "SIGIGN" and the sleep's SigIgn, in hexadecimal.
func sigIgnHelper() int {
	m, err := NewManager(Options{Subreaper: true})
	if err != nil {
		fmt.Println("FAIL:", err)
		return 1
	}
	defer m.Close()
	mask, err := startedSigIgn(m, Spec{})
	if err != nil {
		fmt.Println("FAIL:", err)
		return 1
	}
	fmt.Printf("SIGIGN %x\n", mask)
	return 0
}

// superd started with signals ignored (by a shell that traps them, a
// launcher): the Go runtime keeps the ignored disposition of SIGHUP and
// SIGINT unless they are handled, and of SIGTSTP, SIGTTIN, SIGTTOU and
// SIGCONT always, and exec keeps an ignored disposition, so every service
// ignored them too (a `supers signal web TSTP` did nothing). systemd
// starts its services with every disposition at its default but
// SIGPIPE's, which IgnoreSIGPIPE= (default yes) sets to ignored. In
// subreaper mode (superd), children start with none ignored but SIGPIPE
// when their Spec asks for it (not here: see
// TestChildSIGPIPEFollowsSpec).
func TestChildrenIgnoreNoSignalTheSupervisorInherited(t *testing.T) {
	cmd := exec.Command("/bin/sh", "-c", `trap "" HUP INT TSTP TTIN TTOU CONT; exec "$0" "$@"`, os.Args[0], "-test.run=^$")
	// Only the standard signals 1-31: the race detector's runtime (cgo)
	// may leave glibc's real-time signal 32 ignored.
	if mask := childSigIgn(t, cmd, "sigign"); mask&0x7fffffff != 0 {
		t.Errorf("SigIgn of a child = %x, want no standard signal ignored", mask)
	}
}

// childSigIgn runs cmd, the test binary, as the helper mode and returns
// the SigIgn of the child it started (see sigIgnHelper).
func childSigIgn(t *testing.T, cmd *exec.Cmd, mode string) uint64 {
	t.Helper()
	cmd.Env = append(os.Environ(), helperEnv+"="+mode)
	out, err := cmd.CombinedOutput()
	hex, ok := strings.CutPrefix(strings.TrimSpace(string(out)), "SIGIGN ")
	if err != nil || !ok {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	mask, err := strconv.ParseUint(hex, 16, 64)
	if err != nil {
		t.Fatalf("helper's SigIgn %q: %v", hex, err)
	}
	return mask
}
