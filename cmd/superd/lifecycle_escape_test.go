//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/supers-dev/supers/actors/runstate"
)

// lifeEscaper writes the script of a service whose main process starts
// processes that leave its process group (setsid): a sleep, and a shell
// whose child stays in the shell's new group. If stubborn, they (not the
// main process) ignore SIGTERM. Each writes its pid into dir/NAME-N.pid.
// It returns the service file.
func lifeEscaper(t *testing.T, dir, name string, stubborn bool) string {
	t.Helper()
	trap := ""
	if stubborn {
		trap = `trap "" TERM; `
	}
	script := filepath.Join(dir, name+".sh")
	body := fmt.Sprintf(`#!/bin/sh
setsid sh -c '%[1]secho $$ > %[2]s/%[3]s-1.pid; exec sleep 1001' &
setsid sh -c '%[1]ssleep 1002 & echo $! > %[2]s/%[3]s-2.pid; echo $$ > %[2]s/%[3]s-3.pid; wait' &
exec sleep 1000
`, trap, dir, name)
	writeMode(t, script, body, 0o755)
	return fmt.Sprintf("[Service]\nExecStart=/bin/sh %s\nTimeoutStopSec=3s\n", script)
}

// waitPIDFile waits until the file at path holds a whole line with a PID,
// and returns it.
func waitPIDFile(t *testing.T, path, what string) int {
	t.Helper()
	var pid int
	waitFor(t, 20*time.Second, what, func() bool {
		b, err := os.ReadFile(path)
		if err != nil || !strings.HasSuffix(string(b), "\n") {
			return false
		}
		pid, err = strconv.Atoi(strings.TrimSpace(string(b)))
		return err == nil
	})
	return pid
}

// lifeTag gives superd an environment variable unique to the test, and when
// the test ends, after superd, kills every process carrying it or the
// marker of superd's services (SUPERD_MARKER, whose id superd's state file
// holds: services get a clean environment, not superd's): a process that
// escaped superd must not outlive the test, even if it failed before
// knowing its pid.
func lifeTag(t *testing.T, d *daemon) {
	tag := fmt.Sprintf("SUPERS_LIFE_TEST=%d-%d", os.Getpid(), time.Now().UnixNano())
	d.prepare = func(cmd *exec.Cmd) { cmd.Env = append(cmd.Env, tag) }
	t.Cleanup(func() {
		marker := superdMarker(d)
		for _, pid := range processes(func(procInfo) bool { return true }) {
			env, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
			if err != nil {
				continue
			}
			vars := strings.Split(string(env), "\x00")
			if slices.Contains(vars, tag) || marker != "" && marked(env, marker) {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})
}

// superdMarker returns the marker id of d's superd, from which the
// SUPERD_MARKER variable of each of its services is made, as its state
// file names it; "" if the file does not say yet.
func superdMarker(d *daemon) string {
	b, err := os.ReadFile(d.socket + ".state")
	if err != nil {
		return ""
	}
	var st struct {
		Marker string `json:"marker"`
	}
	if json.Unmarshal(b, &st) != nil || st.Marker == "" {
		return ""
	}
	return st.Marker
}

// marked reports whether environ (of /proc/PID/environ) carries the
// marker of a service of the superd whose marker id is id.
func marked(environ []byte, id string) bool {
	_, ok := runstate.MarkedService(environ, id)
	return ok
}

// lifeEscaped waits for the pids the escaped processes of service name
// wrote, and makes sure they do not outlive the test.
func lifeEscaped(t *testing.T, d *daemon, dir, name string) []int {
	t.Helper()
	main := d.waitRunning(name).PID
	var pids []int
	for i := 1; i <= 3; i++ {
		path := filepath.Join(dir, fmt.Sprintf("%s-%d.pid", name, i))
		pids = append(pids, waitPIDFile(t, path, "pid file "+path))
	}
	t.Cleanup(func() {
		for _, pid := range pids {
			if alive(pid) {
				t.Errorf("escaped process %d of %s outlived the test", pid, name)
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})
	// They have left the group of the main process.
	waitFor(t, 20*time.Second, name+"'s processes leave its group", func() bool {
		for _, pid := range pids {
			p, err := readProc(pid)
			if err != nil || p.pgid == main {
				return false
			}
		}
		return true
	})
	return pids
}

// lifeAllGone checks that none of pids runs any more.
func lifeAllGone(t *testing.T, what string, pids []int) {
	t.Helper()
	for _, pid := range pids {
		if alive(pid) {
			t.Errorf("%s: process %d that left the service's group still runs", what, pid)
		}
	}
}

// A stop (by the operator, by a reload that removes the service, or at
// shutdown) ends the processes of the service that left its process group
// too (setsid): they get KillSignal once the group is gone, and SIGKILL if
// they are still there at TimeoutStopSec.
func TestLifecycleStopKillsEscapedProcesses(t *testing.T) {
	pids := t.TempDir()
	d := newDaemon(t, map[string]string{
		"esc.service":      lifeEscaper(t, pids, "esc", false),
		"stubborn.service": lifeEscaper(t, pids, "stubborn", true),
		"removed.service":  lifeEscaper(t, pids, "removed", false),
		"atexit.service":   lifeEscaper(t, pids, "atexit", false),
	})
	lifeTag(t, d)
	d.start()
	esc := lifeEscaped(t, d, pids, "esc")
	stubborn := lifeEscaped(t, d, pids, "stubborn")
	removed := lifeEscaped(t, d, pids, "removed")
	atexit := lifeEscaped(t, d, pids, "atexit")

	if _, stderr, code := d.cli("stop", "esc"); code != 0 {
		t.Fatalf("stop esc: exit %d: %s", code, stderr)
	}
	lifeAllGone(t, "stop", esc)

	asked := time.Now()
	if _, stderr, code := d.cli("stop", "stubborn"); code != 0 {
		t.Fatalf("stop stubborn: exit %d: %s", code, stderr)
	}
	if took := time.Since(asked); took < 3*time.Second {
		t.Errorf("the stop of processes that ignore SIGTERM took %v, less than TimeoutStopSec", took)
	}
	lifeAllGone(t, "stop after TimeoutStopSec", stubborn)
	// They got SIGKILL at TimeoutStopSec, with the group's: the stop did
	// not wait for them another groupKillWait and give them up as stuck
	// in the kernel (to SIGKILL them only as it forgot them).
	if st := d.status("stubborn"); st.State != "stopped" || strings.Contains(st.Error, "still there after SIGKILL") {
		t.Errorf("status of stubborn after its stop: state %q, error %q; want stopped, without processes left after SIGKILL", st.State, st.Error)
	}
	// The stop's records come before the one of its end, which may come
	// after its answer.
	log := d.waitLogged(`msg="process stopped" service=stubborn`)
	var stopLog []string
	for line := range strings.SplitSeq(log, "\n") {
		if strings.Contains(line, " service=stubborn") {
			stopLog = append(stopLog, line)
		}
	}
	for _, pid := range stubborn {
		if !slices.ContainsFunc(stopLog, func(line string) bool {
			return strings.Contains(line, "left the service's process group") && strings.Contains(line, " signal=SIGTERM") && namesPID(line, pid)
		}) {
			t.Errorf("superd did not log KillSignal sent to %d, which left stubborn's group:\n%s", pid, strings.Join(stopLog, "\n"))
		}
	}
	if !slices.ContainsFunc(stopLog, func(line string) bool {
		return strings.Contains(line, `msg="stop timed out, killing the processes that left the process group"`)
	}) {
		t.Errorf("superd did not log the SIGKILL of the processes that left stubborn's group at TimeoutStopSec:\n%s", strings.Join(stopLog, "\n"))
	}
	if slices.ContainsFunc(stopLog, func(line string) bool { return strings.Contains(line, "still there after SIGKILL") }) {
		t.Errorf("superd logged processes of stubborn still there after the SIGKILL of TimeoutStopSec:\n%s", strings.Join(stopLog, "\n"))
	}

	if err := os.Remove(filepath.Join(d.dir, "removed.service")); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := d.cli("reload"); code != 0 {
		t.Fatalf("reload: exit %d: %s", code, stderr)
	}
	waitFor(t, 20*time.Second, "the removed service's processes to end", func() bool {
		for _, pid := range removed {
			if alive(pid) {
				return false
			}
		}
		return true
	})

	if err := d.terminate(); err != nil {
		t.Fatalf("superd: %v", err)
	}
	lifeAllGone(t, "shutdown", atexit)
}

// A main process that exits (unasked) after starting a process that left
// its group, as a program that forks a daemon and exits does, takes that
// process with it, as it takes the rest of its group: a restart must not
// run the service twice, and an exited service runs nothing.
func TestLifecycleExitKillsEscapedProcesses(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "daemon.pid")
	script := filepath.Join(dir, "forker.sh")
	body := fmt.Sprintf(`#!/bin/sh
setsid sh -c 'echo $$ > %[1]s.tmp; mv %[1]s.tmp %[1]s; exec sleep 1001' &
while [ ! -s %[1]s ]; do sleep 0.01; done
exit 0
`, pidFile)
	writeMode(t, script, body, 0o755)
	d := newDaemon(t, map[string]string{"forker.service": "[Service]\nExecStart=/bin/sh " + script + "\nRestart=no\n"})
	lifeTag(t, d)
	d.start()
	waitFor(t, 20*time.Second, "forker exited", func() bool { return d.status("forker").State == "exited" })
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the forked daemon to be killed", func() bool { return !alive(pid) })
}

// A main process that exits unasked while another member of its group has
// forked a daemon (setsid): that daemon becomes superd's only once the
// member, SIGKILLed with the group, is gone. The exit's single look for
// such processes came before that, the daemon survived, and a restart ran
// the service twice.
func TestLifecycleCrashKillsDaemonOfAGroupMember(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "daemon.pid")
	script := filepath.Join(dir, "nested.sh")
	body := fmt.Sprintf(`#!/bin/sh
sh -c 'setsid sh -c "echo \$\$ > %[1]s.tmp; mv %[1]s.tmp %[1]s; exec sleep 1003" & exec sleep 1004' &
while [ ! -s %[1]s ]; do sleep 0.01; done
exec sleep 1005
`, pidFile)
	writeMode(t, script, body, 0o755)
	d := newDaemon(t, map[string]string{"nested.service": "[Service]\nExecStart=/bin/sh " + script + "\nRestart=no\n"})
	lifeTag(t, d)
	d.start()
	var main int
	waitFor(t, 20*time.Second, "nested runs its last command", func() bool {
		st := d.status("nested")
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", st.PID))
		main = st.PID
		return string(b) == "sleep\x001005\x00"
	})
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	daemonPID, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(main, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "nested exited", func() bool { return d.status("nested").State == "exited" })
	waitFor(t, 10*time.Second, "the daemon of the group member to be killed", func() bool { return !alive(daemonPID) })
}

// A daemon that a service double-forked (orphaned, so superd's child) gets
// KillSignal with the group, when the stop begins: when the group held out
// until TimeoutStopSec, it got SIGKILL without ever getting KillSignal,
// though it would have shut down cleanly.
func TestLifecycleStopSignalsOrphanedDaemonAtOnce(t *testing.T) {
	dir := t.TempDir()
	daemon := filepath.Join(dir, "daemon.sh")
	if err := os.WriteFile(daemon, []byte(fmt.Sprintf(`#!/bin/sh
trap 'echo TERM > %[1]s/got; exit 0' TERM
echo $$ > %[1]s/daemon.pid.tmp; mv %[1]s/daemon.pid.tmp %[1]s/daemon.pid
while :; do sleep 0.05; done
`, dir)), 0o755); err != nil {
		t.Fatal(err)
	}
	main := filepath.Join(dir, "main.sh")
	if err := os.WriteFile(main, []byte(fmt.Sprintf(`#!/bin/sh
sh -c 'setsid /bin/sh %[1]s & exit 0'
trap '' TERM
touch %[2]s/main-ready
while :; do sleep 0.05; done
`, daemon, dir)), 0o755); err != nil {
		t.Fatal(err)
	}
	d := newDaemon(t, map[string]string{"holdout.service": "[Service]\nExecStart=/bin/sh " + main + "\nTimeoutStopSec=2s\n"})
	lifeTag(t, d)
	d.start()
	d.waitRunning("holdout")
	pid := waitPIDFile(t, filepath.Join(dir, "daemon.pid"), "the daemon's pid")
	waitFor(t, 20*time.Second, "the daemon orphaned, the main process ignoring SIGTERM", func() bool {
		p, err := readProc(pid)
		_, statErr := os.Stat(filepath.Join(dir, "main-ready"))
		return err == nil && p.ppid == d.cmd.Process.Pid && statErr == nil
	})
	asked := time.Now()
	if _, stderr, code := d.cli("stop", "holdout"); code != 0 {
		t.Fatalf("stop holdout: exit %d: %s", code, stderr)
	}
	if took := time.Since(asked); took < 2*time.Second {
		t.Errorf("the stop took %v: the group, which ignores SIGTERM, should have held out until TimeoutStopSec", took)
	}
	if got, err := os.ReadFile(filepath.Join(dir, "got")); err != nil || string(got) != "TERM\n" {
		t.Errorf("the orphaned daemon did not get KillSignal before the SIGKILL: %q, %v", got, err)
	}
	lifeAllGone(t, "stop", []int{pid})
}
