//go:build linux

package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The seed's second criterion: kill -9 a `sleep` service with
// Restart=always; superd restarts it and logs the restart.
func TestKillRestarts(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{
		"sleep.service": "[Service]\nExecStart=/bin/sleep 1000\nRestart=always\nRestartSec=0\n",
	}).start()
	first := d.waitRunning("sleep")
	if err := syscall.Kill(first.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	var second = first
	waitFor(t, 10*time.Second, "a new sleep process", func() bool {
		second = d.status("sleep")
		return second.State == "running" && second.PID != first.PID && second.PID > 0
	})
	if second.Restarts != 1 || second.LastExit == nil || second.LastExit.Signal != "SIGKILL" || second.LastExit.Expected {
		t.Errorf("after restart: restarts %d, last exit %+v", second.Restarts, second.LastExit)
	}
	waitFor(t, 20*time.Second, "the restart is logged", func() bool {
		log := d.stderr.String()
		return strings.Contains(log, `msg=restarting service=sleep status="signal SIGKILL" attempt=1`)
	})
}

// The Restart= matrix against exit 0, exit 3, SIGKILL and SIGTERM, plus
// SuccessExitStatus and the prevent/force lists. RestartSec is an hour, so a
// decision to restart shows as state backoff and nothing restarts.
func TestRestartMatrix(t *testing.T) {
	t.Parallel()
	outcomes := map[string]string{
		"exit0":   "exit 0",
		"exit3":   "exit 3",
		"sigkill": "kill -KILL $$",
		"sigterm": "kill -TERM $$",
	}
	// want[mode][outcome]: restarted?
	want := map[string]map[string]bool{
		"no":          {"exit0": false, "exit3": false, "sigkill": false, "sigterm": false},
		"on-success":  {"exit0": true, "exit3": false, "sigkill": false, "sigterm": true},
		"on-failure":  {"exit0": false, "exit3": true, "sigkill": true, "sigterm": false},
		"on-abnormal": {"exit0": false, "exit3": false, "sigkill": true, "sigterm": false},
		"always":      {"exit0": true, "exit3": true, "sigkill": true, "sigterm": true},
	}
	files := map[string]string{}
	expect := map[string]bool{}
	for mode, row := range want {
		for out, restarted := range row {
			name := mode + "-" + out
			files[name+".service"] = fmt.Sprintf("[Service]\nExecStart=/bin/sh -c '%s'\nRestart=%s\nRestartSec=1h\n", outcomes[out], mode)
			expect[name] = restarted
		}
	}
	extra := map[string]struct {
		body      string
		restarted bool
	}{
		"success-listed": {"ExecStart=/bin/sh -c 'exit 3'\nRestart=on-failure\nSuccessExitStatus=3 SIGUSR1\n", false},
		"prevented":      {"ExecStart=/bin/sh -c 'exit 3'\nRestart=always\nRestartPreventExitStatus=3\n", false},
		"prevented-sig":  {"ExecStart=/bin/sh -c 'kill -KILL $$'\nRestart=always\nRestartPreventExitStatus=SIGKILL\n", false},
		"forced":         {"ExecStart=/bin/sh -c 'exit 0'\nRestart=on-failure\nRestartForceExitStatus=0\n", true},
		"default-policy": {"ExecStart=/bin/sh -c 'exit 3'\n", true}, // Restart=on-failure
	}
	for name, x := range extra {
		files[name+".service"] = "[Service]\n" + x.body + "RestartSec=1h\n"
		expect[name] = x.restarted
	}
	d := newDaemon(t, files).start()
	for name, restarted := range expect {
		var st = d.status(name)
		waitFor(t, 10*time.Second, name+" ended", func() bool {
			st = d.status(name)
			return st.State == "backoff" || st.State == "exited"
		})
		if got := st.State == "backoff"; got != restarted {
			t.Errorf("%s: state %s (last exit %v), restart wanted: %v", name, st.State, st.LastExit, restarted)
		}
		if st.State == "backoff" && (st.NextAttemptMS < 40*60*1000 || st.NextAttemptMS > 80*60*1000) {
			t.Errorf("%s: next attempt in %d ms, want about an hour", name, st.NextAttemptMS)
		}
	}
}

// restartLine is superd's log line for a restart decision.
var restartLine = regexp.MustCompile(`msg=restarting service=(\S+) status="[^"]*" attempt=\d+ delay=(\S+)`)

// A crash loop restarts with growing gaps that are capped.
func TestCrashLoopBackoff(t *testing.T) {
	t.Parallel()
	stamps := filepath.Join(t.TempDir(), "stamps")
	d := newDaemon(t, map[string]string{
		"flappy.service": fmt.Sprintf(`[Service]
ExecStart=/bin/sh -c 'date +%%s%%N >> %s; exit 1'
RestartSec=50ms
RestartMaxDelaySec=400ms
StartLimitBurst=100
`, stamps),
	}).start()
	var times []time.Time
	waitFor(t, 20*time.Second, "eight starts", func() bool {
		times = readStamps(t, stamps)
		return len(times) >= 8
	})
	// The delays superd chose, from its log: one "restarting" line per
	// restart, in order.
	var delays []time.Duration
	for _, m := range restartLine.FindAllStringSubmatch(d.stderr.String(), -1) {
		if m[1] != "flappy" {
			continue
		}
		dl, err := time.ParseDuration(m[2])
		if err != nil {
			t.Fatalf("bad delay in %q: %v", m[0], err)
		}
		delays = append(delays, dl)
	}
	if len(delays) < len(times)-1 {
		t.Fatalf("%d restart lines for %d starts", len(delays), len(times))
	}
	var gaps []time.Duration
	for i := 1; i < len(times); i++ {
		gaps = append(gaps, times[i].Sub(times[i-1]))
	}
	t.Logf("delays: %v; gaps between starts: %v", delays, gaps)
	// Nominal delays 50, 100, 200, 400, 400... each ±20%.
	for i, dl := range delays[:3] {
		if ratio := float64(delays[i+1]) / float64(dl); ratio < 1.25 || ratio > 3.1 {
			t.Errorf("delay %d→%d grew ×%.2f (%v → %v), want about ×2", i, i+1, ratio, dl, delays[i+1])
		}
	}
	for _, dl := range delays[3:7] {
		if dl < 320*time.Millisecond || dl > 480*time.Millisecond {
			t.Errorf("capped delay %v outside 400ms ±20%%", dl)
		}
	}
	if dl := delays[0]; dl < 40*time.Millisecond || dl > 60*time.Millisecond {
		t.Errorf("first delay %v, want RestartSec=50ms ±20%%", dl)
	}
	// And superd kept to them: a restart never comes before its delay is
	// over (the gap between two starts also holds the run and the fork).
	// How much later depends on the machine's load, so it is not bounded
	// here.
	for i, g := range gaps {
		if g < delays[i] {
			t.Errorf("start %d came %v after the previous one, before its delay %v", i+1, g, delays[i])
		}
	}
	waitRestartsCounted(t, d, "flappy", stamps, 7)
}

// waitRestartsCounted waits until service name's status counts at least
// want restarts, its processes writing a line to stamps each. The last of
// them may have written its line before superd counted its start (the
// count reaches the status once the start has returned): a status asked
// after n lines were read counts at least n-2 restarts, which is checked
// at each look.
func waitRestartsCounted(t *testing.T, d *daemon, name, stamps string, want int) {
	t.Helper()
	waitFor(t, 20*time.Second, fmt.Sprintf("%d restarts of %s counted", want, name), func() bool {
		n := len(readStamps(t, stamps))
		st := d.status(name)
		if st.Restarts < n-2 {
			t.Fatalf("restarts = %d after %d starts", st.Restarts, n)
		}
		return st.Restarts >= want
	})
}

// RestartSec=0 restarts the first failure at once, but later failures of the
// streak never come faster than 100 ms apart.
func TestZeroDelayFloor(t *testing.T) {
	t.Parallel()
	stamps := filepath.Join(t.TempDir(), "stamps")
	d := newDaemon(t, map[string]string{
		"storm.service": fmt.Sprintf("[Service]\nExecStart=/bin/sh -c 'date +%%s%%N >> %s; exit 1'\nRestartSec=0\nRestartMaxDelaySec=100ms\nStartLimitBurst=100\n", stamps),
	}).start()
	var times []time.Time
	waitFor(t, 20*time.Second, "six starts", func() bool {
		times = readStamps(t, stamps)
		return len(times) >= 6
	})
	for i := 2; i < len(times); i++ {
		if g := times[i].Sub(times[i-1]); g < 80*time.Millisecond {
			t.Errorf("gap %d = %v, below the 100 ms floor (−20%% jitter)", i, g)
		}
	}
	waitRestartsCounted(t, d, "storm", stamps, 5)
}

// After StartLimitBurst starts the service is fatal; `supers start` brings it
// back; RestartCooldownSec tries again by itself.
func TestFatalAndRecovery(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mark := filepath.Join(dir, "fail")
	mark2 := filepath.Join(dir, "fail2")
	for _, m := range []string{mark, mark2} {
		if err := os.WriteFile(m, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d := newDaemon(t, map[string]string{
		"fragile.service":  fmt.Sprintf("[Service]\nExecStart=/bin/sh -c 'test -f %s && exit 1; exec sleep 1000'\nRestartSec=0\nStartLimitBurst=3\n", mark),
		"cooldown.service": fmt.Sprintf("[Service]\nExecStart=/bin/sh -c 'test -f %s && exit 1; exec sleep 1000'\nRestartSec=0\nStartLimitBurst=2\nRestartCooldownSec=1s\n", mark2),
	}).start()
	var st = d.status("fragile")
	waitFor(t, 10*time.Second, "fragile fatal", func() bool {
		st = d.status("fragile")
		return st.State == "fatal"
	})
	if st.Restarts != 2 {
		t.Errorf("fatal after %d restarts, want 2 (3 starts)", st.Restarts)
	}
	if !strings.Contains(st.Error, "start limit") {
		t.Errorf("fatal reason %q", st.Error)
	}
	if _, _, code := d.cli("status", "fragile"); code != 3 {
		t.Errorf("status of a fatal service: exit %d, want 3", code)
	}
	d.waitLogged("giving up")
	// Fatal stays fatal (nothing restarts it) until a human starts it.
	if err := os.Remove(mark); err != nil {
		t.Fatal(err)
	}
	if _, errs, code := d.cli("start", "fragile"); code != 0 {
		t.Fatalf("supers start fragile: %d %s", code, errs)
	}
	d.waitRunning("fragile")

	// cooldown: fatal, then tried again after 1 s, and now it works.
	waitFor(t, 10*time.Second, "cooldown fatal", func() bool {
		st = d.status("cooldown")
		return st.State == "fatal"
	})
	if st.NextAttemptMS <= 0 || st.NextAttemptMS > 1000 {
		t.Errorf("fatal with cooldown: next attempt in %d ms", st.NextAttemptMS)
	}
	if err := os.Remove(mark2); err != nil {
		t.Fatal(err)
	}
	d.waitRunning("cooldown")
}

// A stop during backoff cancels the pending restart at once.
func TestStopDuringBackoff(t *testing.T) {
	t.Parallel()
	stamps := filepath.Join(t.TempDir(), "stamps")
	d := newDaemon(t, map[string]string{
		"slow.service": fmt.Sprintf("[Service]\nExecStart=/bin/sh -c 'date +%%s%%N >> %s; exit 1'\nRestartSec=2s\n", stamps),
	}).start()
	waitFor(t, 10*time.Second, "backoff", func() bool { return d.status("slow").State == "backoff" })
	if _, errs, code := d.cli("stop", "slow"); code != 0 {
		t.Fatalf("stop: %d %s", code, errs)
	}
	st := d.status("slow")
	if st.State != "stopped" || st.NextAttemptMS != 0 {
		t.Fatalf("after stop during backoff: %+v", st)
	}
	// Wait past the backoff: no second start happens.
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		if n := len(readStamps(t, stamps)); n != 1 {
			t.Fatalf("%d starts after a stop during backoff, want 1", n)
		}
		if st := d.status("slow"); st.State != "stopped" {
			t.Fatalf("state %s after stop", st.State)
		}
		time.Sleep(100 * time.Millisecond) // observing that nothing happens
	}
	// A start during backoff starts at once.
	if _, errs, code := d.cli("start", "slow"); code != 0 {
		t.Fatalf("start: %d %s", code, errs)
	}
	waitFor(t, 10*time.Second, "second start", func() bool { return len(readStamps(t, stamps)) == 2 })
}

// A healthy neighbour keeps its PID and the CLI keeps answering while
// another service crash-loops; no zombie piles up, even from orphaned
// grandchildren reparented to superd.
func TestCrashLoopIsolationAndNoZombies(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{
		"crashy.service": "[Service]\nExecStart=/bin/sh -c '(sleep 0.05 &); exit 1'\nRestartSec=0\nRestartMaxDelaySec=100ms\nStartLimitBurst=1000\n",
		"steady.service": "[Service]\nExecStart=/bin/sleep 1000\n",
	}).start()
	steady := d.waitRunning("steady")
	superd := d.cmd.Process.Pid
	var maxRestarts int
	zombieSince := map[int]time.Time{}
	// Watch for at least 4 s and until crashy has restarted 10 times
	// (which takes about 1 s on an idle machine: the gaps are capped at
	// 100 ms); a loaded machine gets up to 30 s.
	start := time.Now()
	for time.Since(start) < 4*time.Second || maxRestarts < 10 {
		if time.Since(start) > 30*time.Second {
			t.Fatalf("crashy restarted only %d times in 30 s", maxRestarts)
		}
		if _, _, code := d.cli("status", "steady"); code != 0 {
			t.Fatalf("status steady: exit %d during the crash loop", code)
		}
		if st := d.status("steady"); st.PID != steady.PID {
			t.Fatalf("steady changed pid %d → %d", steady.PID, st.PID)
		}
		maxRestarts = max(maxRestarts, d.status("crashy").Restarts)
		now := time.Now()
		seen := map[int]bool{}
		for _, z := range zombiesOf(superd) {
			seen[z] = true
			if _, ok := zombieSince[z]; !ok {
				zombieSince[z] = now
			} else if now.Sub(zombieSince[z]) > time.Second {
				t.Fatalf("zombie %d, child of superd, lived more than 1 s", z)
			}
		}
		for z := range zombieSince {
			if !seen[z] {
				delete(zombieSince, z)
			}
		}
		time.Sleep(50 * time.Millisecond) // sampling interval
	}
}

// superd SIGKILLed and restarted leaves exactly one instance of each service:
// its direct children die with it (parent-death signal) and the groups it
// recorded are killed by the next superd before it starts anything.
func TestSuperdKilledLeavesOneInstance(t *testing.T) {
	t.Parallel()
	d := newDaemon(t, map[string]string{
		"tree.service": "[Service]\nExecStart=/bin/sh -c 'sleep 1000 & echo $!; wait'\n",
	}).start()
	first := d.waitRunning("tree")
	grandchild := d.loggedPID("tree")
	_ = d.cmd.Process.Kill()
	<-d.exited
	waitFor(t, 20*time.Second, "the direct child dies with superd", func() bool { return !alive(first.PID) })
	if !alive(grandchild) {
		t.Fatal("test premise: the grandchild should outlive superd's SIGKILL")
	}
	d2 := &daemon{t: t, dir: d.dir, logDir: d.logDir, socket: d.socket, client: d.client, seenPIDs: map[int]bool{}}
	d2.start()
	second := d2.waitRunning("tree")
	if alive(grandchild) {
		t.Errorf("the previous instance's grandchild %d is still alive", grandchild)
	}
	waitFor(t, 20*time.Second, "the new instance's two processes", func() bool {
		return len(groupMembers(second.PID)) == 2
	})
	if !strings.Contains(d2.stderr.String(), "signalled processes left by a previous superd") {
		t.Errorf("the kill of the stale group was not logged:\n%s", d2.stderr.String())
	}
}

// An operator's stop survives a superd restart.
func TestOperatorStopSurvivesRestart(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"a.service": "[Service]\nExecStart=/bin/sleep 1000\n",
		"b.service": "[Service]\nExecStart=/bin/sleep 1000\n",
	}
	d := newDaemon(t, files).start()
	d.waitRunning("a")
	d.waitRunning("b")
	if _, errs, code := d.cli("stop", "a"); code != 0 {
		t.Fatalf("stop a: %d %s", code, errs)
	}
	if err := d.terminate(); err != nil {
		t.Fatal(err)
	}
	d2 := &daemon{t: t, dir: d.dir, logDir: d.logDir, socket: d.socket, client: d.client, seenPIDs: map[int]bool{}}
	d2.start()
	d2.waitRunning("b")
	if st := d2.status("a"); st.State != "stopped" {
		t.Fatalf("a after superd restart: %s, want stopped", st.State)
	}
	if _, errs, code := d2.cli("start", "a"); code != 0 {
		t.Fatalf("start a: %d %s", code, errs)
	}
	d2.waitRunning("a")
	if err := d2.terminate(); err != nil {
		t.Fatal(err)
	}
	d3 := &daemon{t: t, dir: d.dir, logDir: d.logDir, socket: d.socket, client: d.client, seenPIDs: map[int]bool{}}
	d3.start()
	d3.waitRunning("a")
}

// readStamps parses a file of `date +%s%N` lines.
func readStamps(t *testing.T, path string) []time.Time {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var out []time.Time
	for _, l := range strings.Fields(string(data)) {
		ns, err := strconv.ParseInt(l, 10, 64)
		if err != nil {
			t.Fatalf("bad stamp %q", l)
		}
		out = append(out, time.Unix(0, ns))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}

// wipeEnvArg makes the test binary act as a service's process that writes
// over its environment, as a program that sets its process title (nginx,
// PostgreSQL, perl's $0) does: it prints its pid and sleeps.
const wipeEnvArg = "wipe-env-and-sleep"

// wipeEnvMain is the test binary run with wipeEnvArg. It writes over the
// memory that /proc/PID/environ shows (env_start to env_end, fields 50
// and 51 of /proc/self/stat).
func wipeEnvMain() int {
	stat, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 1
	}
	f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:])) // f[0] is field 3
	start, err1 := strconv.ParseUint(f[50-3], 10, 64)
	end, err2 := strconv.ParseUint(f[51-3], 10, 64)
	if err1 != nil || err2 != nil || end <= start+1 {
		return 1
	}
	mem, err := os.OpenFile("/proc/self/mem", os.O_RDWR, 0)
	if err != nil {
		return 1
	}
	if _, err := mem.WriteAt(bytes.Repeat([]byte("x"), int(end-start-1)), int64(start)); err != nil {
		return 1
	}
	fmt.Println(os.Getpid())
	time.Sleep(time.Hour)
	return 0
}

// After superd's SIGKILL, a process of a service that wrote over its
// environment (so over the marker) is still found, by the pipe it holds as
// its stdout: its group's leader died with superd, and it was left alone
// while the next superd started a second instance.
func TestSuperdKilledFindsProcessThatLostItsMarker(t *testing.T) {
	t.Parallel()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	d := newDaemon(t, map[string]string{
		"titled.service": fmt.Sprintf("[Service]\nExecStart=/bin/sh -c '%s %s & wait'\n", self, wipeEnvArg),
	}).start()
	first := d.waitRunning("titled")
	worker := d.loggedPID("titled")
	if env, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", worker)); err != nil || bytes.Contains(env, []byte("SUPERD_MARKER")) {
		t.Fatalf("test premise: the worker's environment should not show the marker any more (%v)", err)
	}
	// The state file is written in batches: the record must be in it.
	waitFor(t, 10*time.Second, "the service's record in the state file", func() bool {
		b, _ := os.ReadFile(d.socket + ".state")
		return bytes.Contains(b, []byte(`"pgid": `+strconv.Itoa(first.PID)))
	})
	_ = d.cmd.Process.Kill()
	<-d.exited
	// Gone for good: a leader still a zombie (its new parent, init, has
	// not reaped it yet) would prove the group by itself.
	reaped := false
	for deadline := time.Now().Add(20 * time.Second); !reaped && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		_, err := os.Stat(fmt.Sprintf("/proc/%d", first.PID))
		reaped = errors.Is(err, os.ErrNotExist)
	}
	if !reaped {
		t.Skip("init did not reap the leader within 20s: the test needs it gone")
	}
	if !alive(worker) {
		t.Fatal("test premise: the worker should outlive superd's SIGKILL")
	}
	d2 := &daemon{t: t, dir: d.dir, logDir: d.logDir, socket: d.socket, client: d.client, seenPIDs: map[int]bool{}}
	d2.start()
	d2.waitRunning("titled")
	if alive(worker) {
		t.Errorf("the previous instance's worker %d is still alive\n%s", worker, d2.stderr.String())
	}
}
