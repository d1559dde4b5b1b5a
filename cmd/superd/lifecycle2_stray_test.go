//go:build linux

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/supers-dev/supers/transport"
)

// frozen puts process pid in a cgroup v1 freezer of its own and freezes
// it: a SIGKILL it gets then leaves it alive (in D state) until it is
// thawed, as a process stuck in the kernel (a hung file system) or slow
// to die (a large address space torn down) stays. The test is skipped
// without root or a writable v1 freezer. Thawed and removed at cleanup,
// before the cleanups registered earlier (lifeTag's SIGKILL).
func frozen(t *testing.T, pid int) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to freeze a process")
	}
	cg := filepath.Join("/sys/fs/cgroup/freezer", fmt.Sprintf("supers-test-%d-%d", os.Getpid(), time.Now().UnixNano()))
	if err := os.Mkdir(cg, 0o755); err != nil {
		t.Skipf("no cgroup v1 freezer: %v", err)
	}
	write := func(file, value string) error {
		return os.WriteFile(filepath.Join(cg, file), []byte(value), 0o644)
	}
	t.Cleanup(func() {
		_ = write("freezer.state", "THAWED")
		waitFor(t, 10*time.Second, "the freezer cgroup to empty", func() bool {
			b, err := os.ReadFile(filepath.Join(cg, "tasks"))
			return err != nil || strings.TrimSpace(string(b)) == ""
		})
		_ = os.Remove(cg)
	})
	if err := write("tasks", strconv.Itoa(pid)); err != nil {
		t.Skipf("cannot move a process into a freezer cgroup: %v", err)
	}
	if err := write("freezer.state", "FROZEN"); err != nil {
		t.Skipf("cannot freeze a cgroup: %v", err)
	}
	waitFor(t, 10*time.Second, "the process to be frozen", func() bool {
		b, err := os.ReadFile(filepath.Join(cg, "freezer.state"))
		return err == nil && strings.TrimSpace(string(b)) == "FROZEN"
	})
}

// frozenCrasher runs the service name (with Restart=restart, RestartSec=0),
// whose first process starts a child (with setsid if apart, to leave the
// group) and exits with code once the test calls crash; its later
// processes just run. The child is frozen
// (frozen: root and a v1 freezer, else the test is skipped), so that the
// SIGKILL after the crash leaves it there. It returns the daemon, the
// first process's PID, the child's, and crash.
func frozenCrasher(t *testing.T, name string, apart bool, code int, restart string) (d *daemon, first, child int, crash func()) {
	t.Helper()
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "child.pid")
	script := filepath.Join(dir, name+".sh")
	setsid := ""
	if apart {
		setsid = "setsid "
	}
	body := fmt.Sprintf(`#!/bin/sh
if [ -e %[1]s/first ]; then exec sleep 1002; fi
: > %[1]s/first
%[3]ssh -c 'echo $$ > %[2]s.tmp; mv %[2]s.tmp %[2]s; exec sleep 1001' &
while [ ! -e %[1]s/go ]; do sleep 0.01; done
exit %[4]d
`, dir, pidFile, setsid, code)
	writeMode(t, script, body, 0o755)
	d = newDaemon(t, map[string]string{name + ".service": "[Service]\nExecStart=/bin/sh " + script + "\nRestart=" + restart + "\nRestartSec=0\n"})
	lifeTag(t, d)
	d.start()
	first = d.waitRunning(name).PID
	child = waitPIDFile(t, pidFile, "the child's pid")
	frozen(t, child)
	return d, first, child, func() {
		if err := os.WriteFile(filepath.Join(dir, "go"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// A main process that forked a daemon (setsid) and then exited unasked,
// alone in its group: the daemon, SIGKILLed, is still there (stuck in the
// kernel). The restart must wait for it as it waits for the members of
// the group (at most 2 s, then it says so and goes ahead), or the
// service runs twice. It used to wait only when the group outlived the
// main process: here the restart came at once, with the old daemon alive.
func TestLifecycleCrashWaitsForTheDaemonItKilled(t *testing.T) {
	d, first, daemonPID, crash := frozenCrasher(t, "forker", true, 1, "always")
	crash()
	var next int
	waitFor(t, 20*time.Second, "forker restarted", func() bool {
		st := d.status("forker")
		next = st.PID
		return st.State == "running" && st.PID != 0 && st.PID != first
	})
	startedLine := fmt.Sprintf("msg=\"process started\" service=forker pid=%d ", next)
	log := d.waitLogged(startedLine) // the status may come before the record
	waited := strings.Index(log, "processes of the service still there after SIGKILL")
	started := strings.Index(log, startedLine)
	if waited < 0 || started < 0 || waited > started {
		t.Fatalf("the restart (pid %d) did not wait for the SIGKILLed daemon %d still there (wait logged at %d, start at %d)", next, daemonPID, waited, started)
	}
}

// A stop whose main process ends but leaves a member of its group that
// its SIGKILL does not end (stuck in the kernel) ends 2 s after that
// SIGKILL, as README says, "its status saying so": the status said
// "stopped" with no word of the process left running, as it does for a
// main process stuck the same way.
func TestLifecycleStopLeavingAStuckMemberSaysSo(t *testing.T) {
	d := newDaemon(t, map[string]string{"stuck.service": "[Service]\nExecStart=/bin/sh -c 'sleep 1000 & echo $!; wait'\nTimeoutStopSec=1s\n"})
	lifeTag(t, d)
	d.start()
	d.waitRunning("stuck")
	member := d.loggedPID("stuck")
	frozen(t, member)

	_, stderr, code := d.cli("stop", "stuck")
	if code != 0 {
		t.Fatalf("stop: exit %d: %s", code, stderr)
	}
	st := d.status("stuck")
	if st.State != "stopped" || !strings.Contains(st.Error, "still there after SIGKILL") || !alive(member) {
		t.Fatalf("after a stop that left member %d (alive: %v): state %q, error %q; want stopped with an error saying so", member, alive(member), st.State, st.Error)
	}
}

// The main process exited unasked while a member of its group, SIGKILLed,
// is still there (stuck in the kernel): until the restart, which waits for
// it (at most 2 s), the status showed the service running with the dead
// main process's PID. It shows it stopping (what is left of it), with no
// PID and the exit already known.
func TestLifecycleCrashWaitShowsStopping(t *testing.T) {
	d, first, _, crash := frozenCrasher(t, "crasher", false, 3, "always")
	crash()
	var st transport.ServiceStatus
	waitFor(t, 20*time.Second, "crasher's status to change", func() bool {
		st = d.status("crasher")
		return st.State != "running" || st.PID != first
	})
	if st.State != "stopping" || st.PID != 0 || st.LastExit == nil || st.LastExit.Code == nil || *st.LastExit.Code != 3 {
		t.Fatalf("while the restart waits for the stuck member: %s pid %d, last exit %v; want stopping, no pid, exit 3", st.State, st.PID, st.LastExit)
	}
	waitFor(t, 20*time.Second, "crasher restarted", func() bool {
		st = d.status("crasher")
		return st.State == "running" && st.PID != 0 && st.PID != first
	})
}

// A service that exits leaving many processes outside its group (fifty
// daemons, setsid) had each of them logged on a line of its own: one
// that left thousands flooded superd's log, whose queue then dropped
// records. They are logged once, counted, with the first PIDs.
func TestLifecycleManyStraysLoggedOnce(t *testing.T) {
	pids := filepath.Join(t.TempDir(), "pids")
	// Each daemon writes its PID once setsid has taken it out of the
	// group: the stop must find all fifty outside it.
	d := newDaemon(t, map[string]string{"forker.service": "[Service]\nExecStart=/bin/sh -c 'for i in $(seq 50); do setsid sh -c \"echo \\$\\$ >> " + pids + "; exec sleep 1000\" & done; wait'\nRestart=no\n"})
	lifeTag(t, d)
	d.start()
	d.waitRunning("forker")
	waitFor(t, 20*time.Second, "the fifty daemons out of the group", func() bool {
		b, _ := os.ReadFile(pids)
		return strings.Count(string(b), "\n") == 50
	})
	_, errs, code := d.cli("stop", "forker")
	if code != 0 {
		t.Fatalf("stop: exit %d: %s", code, errs)
	}
	// The stop's records of the processes outside the group come before
	// the one of its end, which may come after its answer.
	lines := 0
	for _, line := range strings.Split(d.waitLogged(`msg="process stopped" service=forker`), "\n") {
		if strings.Contains(line, "left the service's process group") {
			lines++
			if !strings.Contains(line, "count=50") {
				t.Errorf("not all fifty on one line: %s", line)
			}
		}
	}
	if lines != 1 {
		t.Errorf("%d lines about the processes that left the group, want 1:\n%s", lines, d.stderr.String())
	}
}

// A start that came while a service that exited was still being cleaned
// up (a member of its group stuck after SIGKILL, up to 2 s) was answered
// at once, and started nothing: with Restart=no the service then stayed
// exited. It waits for the end of the cleanup, then starts the service.
func TestLifecycleStartDuringCrashCleanupStarts(t *testing.T) {
	d, first, _, crash := frozenCrasher(t, "once", false, 0, "no")
	crash()
	waitFor(t, 20*time.Second, "once being cleaned up", func() bool { return d.status("once").State == "stopping" })
	if _, errs, code := d.cli("start", "once"); code != 0 {
		t.Fatalf("start during the cleanup: exit %d: %s", code, errs)
	}
	waitFor(t, 20*time.Second, "once started again", func() bool {
		st := d.status("once")
		return st.State == "running" && st.PID != 0 && st.PID != first
	})
}

// A stop after such a start has the last word: the start is answered that
// a later request stopped the service, which stays stopped.
func TestLifecycleStopAfterStartDuringCrashCleanupWins(t *testing.T) {
	d, _, _, crash := frozenCrasher(t, "once", false, 0, "no")
	crash()
	waitFor(t, 20*time.Second, "once being cleaned up", func() bool { return d.status("once").State == "stopping" })
	type result struct {
		errs string
		code int
	}
	started := make(chan result, 1)
	go func() {
		_, errs, code := runCLI(t, d.socket, "start", "once")
		started <- result{errs, code}
	}()
	held := false
	waitFor(t, 10*time.Second, "the start held", func() bool {
		held = strings.Contains(d.stderr.String(), "start held until the exit's cleanup ends")
		return held || d.status("once").State != "stopping"
	})
	if !held {
		<-started
		t.Skip("the cleanup (2 s) ended before the start reached superd: a loaded machine")
	}
	if _, errs, code := d.cli("stop", "once"); code != 0 {
		t.Fatalf("stop: exit %d: %s", code, errs)
	}
	r := <-started
	if r.code != 1 || !strings.Contains(r.errs, "stopped by a later request") {
		t.Errorf("start overtaken by a stop: exit %d, stderr %q; want 1 and that a later request stopped it", r.code, r.errs)
	}
	if st := d.status("once"); st.State != "stopped" {
		t.Errorf("once after the stop: %s", st.State)
	}
}
