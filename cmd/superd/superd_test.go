//go:build linux

package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/supers-dev/supers/transport"
)

// The seed's first criterion: foo.service with ExecStart=/bin/sleep 1000 runs
// and `supers status foo` shows it running.
func TestSeedServiceRuns(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{
		"foo.service": "[Service]\nExecStart=/bin/sleep 1000\n",
	}).start()
	st := d.waitRunning("foo")
	cmdline, err := os.ReadFile("/proc/" + itoa(st.PID) + "/cmdline")
	if err != nil || string(cmdline) != "/bin/sleep\x001000\x00" {
		t.Fatalf("pid %d cmdline = %q, %v", st.PID, cmdline, err)
	}
	out, errs, code := d.cli("status", "foo")
	if code != 0 || !strings.Contains(out, "foo") || !strings.Contains(out, "running") || !strings.Contains(out, itoa(st.PID)) {
		t.Fatalf("supers status foo: code %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
}

// The seed's third criterion: logs land in <log-dir>/sleep/, and the CLI
// lists, queries, stops, starts and restarts the same process.
func TestLogsAndCLILifecycle(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{
		"sleep.service": `[Unit]
Description=talks then sleeps
[Service]
ExecStart=/bin/sh -c 'echo "to stdout; $((1+2))"; echo "to stderr" >&2; exec sleep 1000'
`,
		"other.service": "[Service]\nExecStart=/bin/sleep 1000\n",
	}).start()
	first := d.waitRunning("sleep")

	waitFor(t, 10*time.Second, "log files written", func() bool {
		out, _ := os.ReadFile(filepath.Join(d.logDir, "sleep", "stdout.log"))
		errb, _ := os.ReadFile(filepath.Join(d.logDir, "sleep", "stderr.log"))
		return string(out) == "to stdout; 3\n" && string(errb) == "to stderr\n"
	})
	for _, f := range []string{"stdout.log", "stderr.log"} {
		fi, err := os.Stat(filepath.Join(d.logDir, "sleep", f))
		if err != nil || fi.Mode().Perm() != 0o640 {
			t.Errorf("%s: mode %v, err %v; want 0640", f, fi.Mode().Perm(), err)
		}
	}
	if fi, err := os.Stat(filepath.Join(d.logDir, "sleep")); err != nil || fi.Mode().Perm() != 0o750 {
		t.Errorf("log dir mode %v, err %v; want 0750", fi.Mode().Perm(), err)
	}

	var list []transport.ServiceStatus
	if code := d.cliJSON(&list, "list"); code != 0 || len(list) != 2 || list[0].Name != "other" || list[1].Name != "sleep" {
		t.Fatalf("supers --json list: code %d, %+v", code, list)
	}
	if list[1].PID != first.PID || list[1].State != "running" || list[1].Description != "talks then sleeps" {
		t.Fatalf("list entry for sleep = %+v", list[1])
	}
	other := d.status("other")

	// stop: the process is gone when the command returns.
	if out, errs, code := d.cli("stop", "sleep"); code != 0 {
		t.Fatalf("supers stop: %d %s %s", code, out, errs)
	}
	if alive(first.PID) {
		t.Fatalf("pid %d still alive after supers stop returned", first.PID)
	}
	st := d.status("sleep")
	if st.State != "stopped" || st.PID != 0 || st.LastExit == nil || !st.LastExit.Expected {
		t.Fatalf("after stop: %+v", st)
	}
	if _, _, code := d.cli("status", "sleep"); code != 3 {
		t.Fatalf("supers status of a stopped service: exit %d, want 3", code)
	}

	// start: a new process.
	if _, errs, code := d.cli("start", "sleep"); code != 0 {
		t.Fatalf("supers start: %d %s", code, errs)
	}
	second := d.waitRunning("sleep")
	if second.PID == first.PID {
		t.Fatal("start reused the old pid")
	}

	// restart: yet another process; the neighbour is untouched.
	if _, errs, code := d.cli("restart", "sleep"); code != 0 {
		t.Fatalf("supers restart: %d %s", code, errs)
	}
	third := d.waitRunning("sleep")
	if third.PID == second.PID || alive(second.PID) {
		t.Fatalf("restart: old pid %d (alive %v), new pid %d", second.PID, alive(second.PID), third.PID)
	}
	if third.Restarts != 1 {
		t.Errorf("restarts = %d, want 1", third.Restarts)
	}
	if got := d.status("other"); got.PID != other.PID || got.State != "running" {
		t.Errorf("neighbour changed: %+v -> %+v", other, got)
	}
	// Logs are appended across processes, never truncated.
	waitFor(t, 10*time.Second, "appended logs", func() bool {
		out, _ := os.ReadFile(filepath.Join(d.logDir, "sleep", "stdout.log"))
		return strings.Count(string(out), "to stdout; 3\n") == 3
	})
}

// A child that ignores SIGTERM is SIGKILLed after TimeoutStopSec, with its
// whole process group.
func TestStopTimeoutKillsGroup(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{
		"stubborn.service": `[Service]
ExecStart=/bin/sh -c 'trap "" TERM; sleep 1000 & sleep 1000 & wait; wait'
TimeoutStopSec=1s
`,
	}).start()
	st := d.waitRunning("stubborn")
	var members []int
	waitFor(t, 10*time.Second, "three processes in the group", func() bool {
		members = groupMembers(st.PID)
		return len(members) == 3
	})
	for _, p := range members {
		d.track(p)
	}
	start := time.Now()
	if _, errs, code := d.cli("stop", "stubborn"); code != 0 {
		t.Fatalf("supers stop: %d %s", code, errs)
	}
	if el := time.Since(start); el < time.Second {
		t.Errorf("stop returned after %v, before TimeoutStopSec", el)
	}
	for _, p := range members {
		if alive(p) {
			t.Errorf("group member %d survived the stop", p)
		}
	}
	got := d.status("stubborn")
	if got.State != "stopped" || got.LastExit == nil || got.LastExit.Signal != "SIGKILL" {
		t.Fatalf("after stop: %+v (last exit %+v)", got, got.LastExit)
	}
	d.waitLogged("stop timed out") // the SIGKILL escalation
}

// Background grandchildren die with the service on a normal stop, and when
// the main process exits on its own.
func TestGrandchildrenDie(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{
		"tree.service":  "[Service]\nExecStart=/bin/sh -c 'sleep 1000 & sleep 1000 & wait'\n",
		"quits.service": "[Service]\nExecStart=/bin/sh -c 'sleep 1000 & echo $!; read x'\nRestart=no\n",
	}).start()
	st := d.waitRunning("tree")
	var members []int
	waitFor(t, 10*time.Second, "grandchildren started", func() bool {
		members = groupMembers(st.PID)
		return len(members) == 3
	})
	for _, p := range members {
		d.track(p)
	}
	if _, errs, code := d.cli("stop", "tree"); code != 0 {
		t.Fatalf("supers stop: %d %s", code, errs)
	}
	for _, p := range members {
		if alive(p) {
			t.Errorf("process %d of the group survived the stop", p)
		}
	}

	// quits: reading stdin (/dev/null) returns at once, the shell exits and
	// leaves a sleeping grandchild: it must be killed too.
	waitFor(t, 10*time.Second, "quits exited", func() bool {
		q := d.status("quits")
		return q.State == "exited" && q.LastExit != nil && q.LastExit.Code != nil && *q.LastExit.Code == 1
	})
	grandchild := d.loggedPID("quits")
	waitFor(t, 20*time.Second, "orphaned grandchild killed", func() bool { return !alive(grandchild) })
}

// Environment and WorkingDirectory take effect; quoting keeps spaces and
// shell metacharacters literal.
func TestEnvironmentAndWorkingDirectory(t *testing.T) {
	t.Parallel()
	work := t.TempDir()
	envFile := filepath.Join(t.TempDir(), "env")
	if err := os.WriteFile(envFile, []byte("# comment\nFROMFILE=file value\nFOO=overridden\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d := newDaemon(t, map[string]string{
		"env.service": `[Service]
ExecStart=/bin/sh -c 'echo "$FOO|$BAR|$FROMFILE|$(pwd)"; exec sleep 1000'
EnvironmentFile=` + envFile + `
Environment=FOO=hello "BAR=with space; #not a comment"
WorkingDirectory=` + work + `
`,
		"literal.service": "[Service]\nExecStart=/bin/echo a;b $HOME `x` '*' \"q r\"\n",
	}).start()
	d.waitRunning("env")
	want := "hello|with space; #not a comment|file value|" + work + "\n"
	waitFor(t, 10*time.Second, "env output", func() bool {
		out, _ := os.ReadFile(filepath.Join(d.logDir, "env", "stdout.log"))
		return string(out) == want
	})
	waitFor(t, 10*time.Second, "literal output", func() bool {
		out, _ := os.ReadFile(filepath.Join(d.logDir, "literal", "stdout.log"))
		return string(out) == "a;b $HOME `x` * q r\n"
	})
}

// A malformed file next to good ones is reported with file and line; the
// good ones run; the bad name is unknown to the CLI.
func TestMalformedFileIsSkipped(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{
		"good.service":     "[Service]\nExecStart=/bin/sleep 1000\n",
		"bad.service":      "[Service]\nExecStart=/bin/sleep 1000\nRestrat=always\n",
		"bad name.service": "[Service]\nExecStart=/bin/sleep 1000\n",
	}).start()
	d.waitRunning("good")
	log := d.stderr.String()
	if !strings.Contains(log, "bad.service:3") || !strings.Contains(log, "Restrat") {
		t.Errorf("superd log does not report bad.service:3 Restrat:\n%s", log)
	}
	if !strings.Contains(log, "bad name.service") {
		t.Errorf("superd log does not report the invalid name:\n%s", log)
	}
	// The CLI tells why "bad" does not exist, and list warns about both files.
	if _, errs, code := d.cli("status", "bad"); code != 4 || !strings.Contains(errs, "bad.service could not be loaded") || !strings.Contains(errs, "Restrat") {
		t.Errorf("supers status bad: exit %d (want 4), stderr %q", code, errs)
	}
	out, errs, code := d.cli("list")
	if code != 0 || !strings.Contains(out, "good") || !strings.Contains(errs, "2 service file(s) could not be loaded") ||
		!strings.Contains(errs, "bad.service:3") || !strings.Contains(errs, "bad name.service") {
		t.Errorf("supers list: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	// A file written since the last load says why too, before any reload,
	// to status and logs alike (they only said "unknown service").
	d.writeFile("late.service", "[Service]\nExecStrat=/bin/true\n")
	for _, cmd := range [][]string{{"status", "late"}, {"logs", "late"}, {"start", "late"}, {"logs", "late"}} {
		if _, errs, code := d.cli(cmd...); code != 4 || !strings.Contains(errs, "late.service could not be loaded") || !strings.Contains(errs, "ExecStrat") {
			t.Errorf("supers %v: exit %d (want 4), stderr %q", cmd, code, errs)
		}
	}
	// A missing EnvironmentFile= is its error, not the service file's
	// absence (a start said "no file lateenv.service").
	d.writeFile("lateenv.service", "[Service]\nExecStart=/bin/true\nEnvironmentFile=/nonexistent/x.env\n")
	for _, cmd := range [][]string{{"status", "lateenv"}, {"logs", "lateenv"}, {"start", "lateenv"}} {
		if _, errs, code := d.cli(cmd...); code != 4 || !strings.Contains(errs, "lateenv.service could not be loaded") || !strings.Contains(errs, "EnvironmentFile") {
			t.Errorf("supers %v: exit %d (want 4), stderr %q", cmd, code, errs)
		}
	}
}

// Unknown services and an unreachable daemon give clear errors and the right
// exit codes.
func TestCLIErrors(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{"a.service": "[Service]\nExecStart=/bin/sleep 1000\n"}).start()
	d.waitRunning("a")
	if _, errs, code := d.cli("status", "nope"); code != 4 || !strings.Contains(errs, `nope`) {
		t.Errorf("status nope: exit %d, stderr %q", code, errs)
	}
	if _, errs, code := d.cli("start", "nope"); code != 4 || !strings.Contains(errs, "nope") {
		t.Errorf("start nope: exit %d, stderr %q", code, errs)
	}
	if _, errs, code := d.cli("status", "a", "nope"); code != 4 {
		t.Errorf("status a nope: exit %d, stderr %q", code, errs)
	}
	if _, _, code := d.cli("frobnicate"); code != 2 {
		t.Errorf("unknown command: exit %d, want 2", code)
	}
	missing := filepath.Join(t.TempDir(), "none.sock")
	out, errs, code := runCLI(t, missing, "status")
	if code != 1 || out != "" || strings.Count(strings.TrimSpace(errs), "\n") != 0 ||
		!strings.Contains(errs, missing) || strings.Contains(errs, "goroutine") {
		t.Errorf("unreachable: exit %d stdout %q stderr %q", code, out, errs)
	}
}

// SIGTERM stops every service, removes the socket and exits 0.
func TestSigtermCleansUp(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{
		"a.service": "[Service]\nExecStart=/bin/sleep 1000\n",
		"b.service": "[Service]\nExecStart=/bin/sh -c 'sleep 1000 & wait'\n",
	}).start()
	a, b := d.waitRunning("a"), d.waitRunning("b")
	var members []int
	waitFor(t, 10*time.Second, "b's grandchild", func() bool {
		members = groupMembers(b.PID)
		return len(members) == 2
	})
	fi, err := os.Lstat(d.socket)
	if err != nil || fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm()&0o007 != 0 {
		t.Fatalf("socket %v mode %v", err, fi.Mode())
	}
	if err := d.terminate(); err != nil {
		t.Fatalf("superd exit: %v\n%s", err, d.stderr.String())
	}
	for _, p := range append(members, a.PID) {
		if alive(p) {
			t.Errorf("process %d survived superd's SIGTERM", p)
		}
	}
	if _, err := os.Lstat(d.socket); !os.IsNotExist(err) {
		t.Errorf("socket still there after exit: %v", err)
	}
}

// A second superd on the same socket refuses to start and leaves the first
// one's socket alone; a stale socket of a dead superd is replaced.
func TestSingleInstance(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{"a.service": "[Service]\nExecStart=/bin/sleep 1000\n"}).start()
	d.waitRunning("a")
	second := exec.Command(filepath.Join(binDir, "superd"), "--config-dir", d.dir, "--log-dir", d.logDir, "--socket", d.socket)
	out, err := second.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "another superd") {
		t.Fatalf("second superd: err %v, output:\n%s", err, out)
	}
	if _, _, code := d.cli("status", "a"); code != 0 {
		t.Fatalf("first superd no longer answers after the second one failed")
	}

	// A stale socket file (its superd was SIGKILLed) does not block a restart.
	_ = d.cmd.Process.Kill()
	<-d.exited
	if _, err := os.Lstat(d.socket); err != nil {
		t.Fatalf("expected a stale socket after SIGKILL: %v", err)
	}
	d2 := &daemon{t: t, dir: d.dir, logDir: d.logDir, socket: d.socket, client: d.client, seenPIDs: map[int]bool{}}
	d2.start()
	d2.waitRunning("a")
}

// The socket speaks plain HTTP: curl --unix-socket works.
func TestCurlOverSocket(t *testing.T) {
	t.Parallel()
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl not installed")
	}
	d := newDaemon(t, map[string]string{"web.service": "[Service]\nExecStart=/bin/sleep 1000\n"}).start()
	st := d.waitRunning("web")
	out, err := exec.Command(curl, "-sS", "--unix-socket", d.socket, "http://superd/v1/services/web").Output()
	if err != nil {
		t.Fatalf("curl: %v", err)
	}
	var got transport.ServiceStatus
	if err := json.Unmarshal(out, &got); err != nil || got.PID != st.PID || got.State != "running" {
		t.Fatalf("curl answer %s: %+v %v", out, got, err)
	}
	out, _ = exec.Command(curl, "-sS", "-w", "\n%{http_code}", "--unix-socket", d.socket, "-X", "POST", "http://superd/v1/services/nope/start").Output()
	if !strings.HasSuffix(string(out), "\n404") || !strings.Contains(string(out), `"error"`) {
		t.Fatalf("unknown service over curl: %s", out)
	}
}

// An exec failure (missing binary) is reported, not disguised as an exit.
// The start was carried out: the API answers it with the service's status,
// which says why (it answered 500 and logged an internal error), and
// supers prints that status and exits 1.
func TestExecFailure(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{
		"ghost.service": "[Service]\nExecStart=/nonexistent/binary --flag\nAutoStart=no\nRestart=no\n",
	}).start()
	out, errs, code := d.cli("start", "ghost")
	if code != 1 || !strings.Contains(errs, "/nonexistent/binary") || !strings.Contains(out, "exec-failed") {
		t.Fatalf("start ghost: exit %d stdout %q stderr %q", code, out, errs)
	}
	var got []transport.ServiceStatus
	if code := d.cliJSON(&got, "restart", "ghost"); code != 1 || len(got) != 1 || got[0].State != "exec-failed" || !strings.Contains(got[0].Error, "no such file") {
		t.Fatalf("--json restart ghost: exit %d, %+v", code, got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if st, err := d.client.Start(ctx, "ghost"); !errors.Is(err, transport.ErrStartFailed) || st.State != "exec-failed" ||
		strings.Count(err.Error(), "start failed") != 1 {
		t.Fatalf("client Start: %+v, %v; want the status and ErrStartFailed, with superd's message", st, err)
	}
	if strings.Contains(d.stderr.String(), "control request failed") {
		t.Errorf("superd logged the start as its own failure:\n%s", d.stderr.String())
	}
	d.writeFile("ghost.service", "[Service]\nExecStart=/nonexistent/binary --flag\nAutoStart=no\n")
	d.reload()
	// The answer shows what follows: Restart=on-failure retries it.
	got = nil
	if code := d.cliJSON(&got, "start", "ghost"); code != 1 || len(got) != 1 || got[0].State != "backoff" || got[0].NextAttemptMS <= 0 ||
		!strings.Contains(got[0].Error, "no such file") {
		t.Fatalf("--json start ghost with Restart=on-failure: exit %d, %+v; want backoff and its next attempt", code, got)
	}
	// The failure is the exec error, never an exit code; the restart
	// policy (on-failure) retries it with backoff.
	st := d.status("ghost")
	if (st.State != "exec-failed" && st.State != "backoff") || !strings.Contains(st.Error, "no such file") || st.LastExit != nil {
		t.Fatalf("ghost status %+v", st)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// Children start clean even when superd did not: default signal
// dispositions (but SIGPIPE, ignored as IgnoreSIGPIPE= wants by default)
// and an empty mask although superd was started with SIGHUP
// ignored (nohup), stdin from /dev/null, and only fds 0-2 although superd
// inherited another descriptor.
func TestChildStartsClean(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{
		"probe.service": `[Service]
ExecStart=/bin/sh -c 'while IFS= read -r l; do case $l in SigIgn:*|SigBlk:*) printf "%s\n" "$l";; esac; done </proc/$$/status; for n in 3 4 5 6 7 8 9 10 11 12; do [ -e /proc/$$/fd/$n ] && echo "fd $n"; done; readlink /proc/$$/fd/0; exec sleep 1000'
`,
	})
	leak, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer leak.Close()
	d.prepare = func(cmd *exec.Cmd) {
		// sh ignores SIGHUP, then execs superd, which inherits the ignore.
		cmd.Args = append([]string{"/bin/sh", "-c", `trap "" HUP; exec "$0" "$@"`}, cmd.Args...)
		cmd.Path = "/bin/sh"
		cmd.ExtraFiles = []*os.File{leak} // fd 3, without close-on-exec
	}
	d.start()
	d.waitRunning("probe")
	var got string
	waitFor(t, 10*time.Second, "probe output", func() bool {
		out, _ := os.ReadFile(filepath.Join(d.logDir, "probe", "stdout.log"))
		got = string(out)
		return strings.HasSuffix(got, "/dev/null\n")
	})
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	if len(lines) != 3 || lines[2] != "/dev/null" {
		t.Fatalf("child saw (want SigBlk, SigIgn, /dev/null and no extra fd):\n%s", got)
	}
	for _, l := range lines[:2] {
		name, hex, _ := strings.Cut(l, ":\t")
		mask, err := strconv.ParseUint(hex, 16, 64)
		// Only the standard signals 1-31 are checked: the race detector's
		// runtime (tests build superd with -race, hence cgo) may leave
		// glibc's reserved real-time signal 32 ignored; a production
		// superd is built without cgo.
		// SIGPIPE (0x1000) is ignored, as IgnoreSIGPIPE= (default yes)
		// wants.
		want := uint64(0)
		if name == "SigIgn" {
			want = 0x1000
		}
		if err != nil || mask&0x7fffffff != want {
			t.Errorf("child %s = %s: signals set among 1-31, want %#x", name, hex, want)
		}
	}
}
