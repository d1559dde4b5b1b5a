//go:build linux

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// envClearEscaper writes the script of a service whose main process starts
// a shell that leaves its process group and session and clears its
// environment (so it lacks the service's marker), then writes a line into
// the service's stdout every 0.2 s; before exec'ing last (exec sleep 1000,
// or exit 0), and once it runs, that shell appends its pid to dir/pids.
// Each such shell has token in its command line. It returns the service
// file.
func envClearEscaper(t *testing.T, dir, token, last, extra string) string {
	t.Helper()
	script := filepath.Join(dir, "esc.sh")
	body := fmt.Sprintf(`#!/bin/sh
setsid env -i /bin/sh -c 'echo $$ >> %[1]s/pids; while :; do echo %[2]s; sleep 0.2; done' &
while [ ! -s %[1]s/pids ] || [ "$(wc -l < %[1]s/pids)" -lt "$(cat %[1]s/gen)" ]; do sleep 0.01; done
%[3]s
`, dir, token, last)
	writeMode(t, script, body, 0o755)
	return "[Service]\nExecStart=/bin/sh " + script + "\nTimeoutStopSec=5s\n" + extra
}

// envClearPIDs returns the pids dir/pids lists.
func envClearPIDs(t *testing.T, dir string) []int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "pids"))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var pids []int
	for f := range strings.FieldsSeq(string(b)) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			t.Fatalf("pids file: %v", err)
		}
		pids = append(pids, pid)
	}
	return pids
}

// envClearSetGen tells the service script how many escaped shells to wait
// for before it goes on.
func envClearSetGen(t *testing.T, dir string, n int) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "gen"), []byte(strconv.Itoa(n)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// envClearLeft lists the live processes with token in their command line,
// but for those whose parent has it too: an escaped shell's fork for its
// next `sleep 0.2` has the shell's command line until it execs.
func envClearLeft(token string) []int {
	var left []int
	for _, pid := range processes(func(p procInfo) bool { return p.state != "Z" }) {
		if !strings.Contains(envClearCmdline(pid), token) {
			continue
		}
		if p, err := readProc(pid); err == nil && strings.Contains(envClearCmdline(p.ppid), token) {
			continue
		}
		left = append(left, pid)
	}
	return left
}

// envClearCmdline returns process pid's command line, its arguments joined by
// spaces ("" if it is gone).
func envClearCmdline(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	return strings.ReplaceAll(string(b), "\x00", " ")
}

// envClearGuard kills, when the test ends (after superd), whatever
// escaped process the test left.
func envClearGuard(t *testing.T, token string) {
	t.Cleanup(func() {
		for _, pid := range envClearLeft(token) {
			t.Errorf("escaped process %d outlived the test", pid)
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	})
}

// envClearFDs counts the open descriptors of process pid.
func envClearFDs(t *testing.T, pid int) int {
	t.Helper()
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatal(err)
	}
	return len(fds)
}

// A process of a service that left its process group and session and
// cleared its environment, so that it carries no marker, but kept the
// service's stdout pipe, is stopped with the service, on a stop and on the
// stop before a restart: copies of it no longer pile up, each writing into
// the service's log and keeping two descriptors of superd open.
func TestLifecycleStopAndRestartKillEnvClearedEscapee(t *testing.T) {
	dir := t.TempDir()
	token := fmt.Sprintf("escaped-%d-%d", os.Getpid(), time.Now().UnixNano())
	envClearSetGen(t, dir, 1)
	d := newDaemon(t, map[string]string{"esc.service": envClearEscaper(t, dir, token, "exec sleep 1000", "")})
	envClearGuard(t, token)
	d.start()
	d.waitRunning("esc")
	superd := d.cmd.Process.Pid
	log := filepath.Join(d.logDir, "esc", "stdout.log")
	waitFor(t, 20*time.Second, "the escaped shell writes into the service's log", func() bool {
		b, _ := os.ReadFile(log)
		return strings.Contains(string(b), token)
	})
	pids := envClearPIDs(t, dir)
	if len(pids) != 1 || !alive(pids[0]) {
		t.Fatalf("escaped shells %v, want one running", pids)
	}
	if env, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pids[0])); err != nil || strings.Contains(string(env), "SUPERD_MARKER") {
		t.Fatalf("the escaped shell's environment %q (%v) was not cleared", env, err)
	}
	base := envClearFDs(t, superd)

	for i := 1; i <= 3; i++ {
		envClearSetGen(t, dir, i+1)
		if _, stderr, code := d.cli("restart", "esc"); code != 0 {
			t.Fatalf("restart %d: exit %d: %s", i, code, stderr)
		}
		// The restart answers once the stop has ended, strays included.
		if prev := pids[len(pids)-1]; alive(prev) {
			t.Fatalf("restart %d: the escaped shell %d of the previous process still runs", i, prev)
		}
		d.waitRunning("esc")
		waitFor(t, 20*time.Second, "the new process's escaped shell", func() bool {
			pids = envClearPIDs(t, dir)
			return len(pids) == i+1
		})
		if left := envClearLeft(token); len(left) != 1 || left[0] != pids[i] {
			t.Fatalf("restart %d: escaped shells running %v, want only the newest, %d", i, left, pids[i])
		}
	}
	waitFor(t, 20*time.Second, fmt.Sprintf("superd's descriptors back to %d after the restarts", base), func() bool {
		return envClearFDs(t, superd) <= base
	})

	if _, stderr, code := d.cli("stop", "esc"); code != 0 {
		t.Fatalf("stop: exit %d: %s", code, stderr)
	}
	if left := envClearLeft(token); len(left) != 0 {
		t.Fatalf("after the stop, escaped shells %v still run", left)
	}
	// Nothing of the service is left: superd, which adopted the escaped
	// shells and their children, has no child left.
	if kids := childrenOf(superd); len(kids) != 0 {
		t.Fatalf("after the stop, superd still has children %v", kids)
	}
	waitFor(t, 20*time.Second, "superd's descriptors below their count while the service ran", func() bool {
		return envClearFDs(t, superd) < base
	})
	if err := d.terminate(); err != nil {
		t.Fatalf("superd: %v", err)
	}
}

// A main process that exits unasked after starting such a shell takes it
// with it, before a restart.
func TestLifecycleExitKillsEnvClearedEscapee(t *testing.T) {
	dir := t.TempDir()
	token := fmt.Sprintf("escaped-%d-%d", os.Getpid(), time.Now().UnixNano())
	envClearSetGen(t, dir, 1)
	d := newDaemon(t, map[string]string{"esc.service": envClearEscaper(t, dir, token, "exit 0", "Restart=no\n")})
	envClearGuard(t, token)
	d.start()
	waitFor(t, 20*time.Second, "esc exited", func() bool { return d.status("esc").State == "exited" })
	pids := envClearPIDs(t, dir)
	if len(pids) != 1 {
		t.Fatalf("escaped shells %v, want one", pids)
	}
	waitFor(t, 10*time.Second, "the escaped shell to be killed", func() bool { return !alive(pids[0]) })
	waitFor(t, 10*time.Second, "superd to have no child left", func() bool { return len(childrenOf(d.cmd.Process.Pid)) == 0 })
}
