//go:build linux

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestQuickRun runs superbench end to end, the way CI can: superd and the
// bare loop only (no peer needs to be installed), tiny sizes and windows.
// It checks that every benchmark produced figures, that the report
// carries its main rows and the JSON its figures (not that each cell
// agrees: see TestTargets* for the verdicts), and that nothing superbench
// started is left: no process, no temporary directory.
func TestQuickRun(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	out := filepath.Join(t.TempDir(), "results.json")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{
		"-quick", "-peers", "superd,loop", "-n", "2", "-reps", "2", "-kills", "2", "-queries", "2",
		"-gap", "1100ms", "-settle", "100ms", "-idle", "300ms", "-idle-settle", "100ms",
		"-log-bytes", "4000000", "-flood-n", "3", "-flood-rate", "1000", "-flood-time", "500ms", "-out", out,
	}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("superbench exited %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	// Each benchmark stops what it started; the final sweep finds nothing.
	if strings.Contains(stderr.String(), "left behind") {
		t.Errorf("the final sweep had to kill processes:\n%s", stderr.String())
	}

	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var res results
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Errors) > 0 {
		t.Errorf("errors: %q", res.Errors)
	}
	want := map[string][]string{
		"restart":        {superdName, loopName},
		"rss":            {superdName, loopName},
		"pss":            {superdName, loopName},
		"threads":        {superdName, loopName},
		"startup":        {superdName, loopName},
		"cli-all":        {superdName, floorName, goFloorName},
		"cli-one":        {superdName, floorName, goFloorName},
		"idle-cpu":       {superdName, loopName},
		"log-throughput": {superdName, loopName, directName},
		"flood-cli-all":  {superdName},
		"flood-cli-one":  {superdName},
		"flood-cpu":      {superdName, loopName},
		"flood-logged":   {superdName, loopName},
	}
	for metric, sups := range want {
		for _, sup := range sups {
			f := findFigure(res.Figures, metric, sup)
			if f == nil {
				t.Errorf("no %s figure for %s", metric, sup)
				continue
			}
			if len(f.Values) < 2 {
				t.Errorf("%s of %s: %d samples, want ≥ 2", metric, sup, len(f.Values))
			}
			if f.Min < 0 || (metric != "idle-cpu" && f.Min <= 0) || f.Min > f.Median || f.Median > f.Max {
				t.Errorf("%s of %s: implausible %+v", metric, sup, f)
			}
		}
	}
	if f := findFigure(res.Figures, "procs", superdName); f == nil || f.Max != 1 {
		t.Errorf("superd should be one process besides its services: %+v", f)
	}
	// 3 services × 1000 lines/s × 100 bytes = 0.3 MB/s.
	if f := findFigure(res.Figures, "flood-logged", superdName); f != nil && f.Median < 0.5*0.3 {
		t.Errorf("superd logged %v MB/s of a 0.3 MB/s flood", f.Median)
	}
	if len(res.Targets) == 0 {
		t.Error("no targets checked")
	}
	if res.Settings.ExecWatch == "" {
		t.Error("the results do not say how the restarts were timed")
	}
	// superd's version says which code was built: the commit, or that it
	// is unknown (see TestBuiltVersion).
	if v := res.Versions[superdName]; v == "" || v == "dev" {
		t.Errorf("superd's version %q does not say which code was measured", v)
	}

	md := stdout.String()
	for _, s := range []string{"#### Restart latency", "| superd |", "| bare loop |", "superd's targets", "Versions: superd"} {
		if !strings.Contains(md, s) {
			t.Errorf("report lacks %q", s)
		}
	}
	if strings.Contains(md, tmp) || strings.Contains(string(b), tmp) {
		t.Error("the results show a path of the temporary directory")
	}

	s, err := takeSnapshot()
	if err != nil {
		t.Fatal(err)
	}
	if left := s.descendants(os.Getpid())[1:]; len(left) > 0 {
		t.Errorf("processes left behind: %+v", left)
	}
	if entries, _ := os.ReadDir(tmp); len(entries) > 0 {
		t.Errorf("temporary files left: %v", entries)
	}
}

func findFigure(fs []*figure, metric, sup string) *figure {
	for _, f := range fs {
		if f.Metric == metric && f.Supervisor == sup {
			return f
		}
	}
	return nil
}

// TestSpawnWatch checks that the watch sees a child go through a wrapper
// (a shell) and exec the target, and reports that process.
func TestSpawnWatch(t *testing.T) {
	w, err := newSpawnWatch("sleep", []string{"sh"}, os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	// The shell counts for a while (a wrapper: pending) before it execs.
	cmd := startChild(t, exec.Command("/bin/sh", "-c", "i=0; while [ $i -lt 3000 ]; do i=$((i+1)); done; exec /bin/sleep 30"))
	pollWatch(t, w, "the exec of sleep", func() bool { return w.count() > 0 })
	got := w.running()
	if len(got) != 1 {
		t.Fatalf("running = %+v, want one process", got)
	}
	if got[0].pid != cmd.Process.Pid {
		t.Errorf("found %+v, want the shell's process %d", got[0], cmd.Process.Pid)
	}
}

// startChild starts cmd, and kills and reaps it when the test ends.
func startChild(t *testing.T, cmd *exec.Cmd) *exec.Cmd {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return cmd
}

// pollWatch polls w until done reports true, for at most 10 s.
func pollWatch(t *testing.T, w *spawnWatch, what string, done func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if err := w.poll(); err != nil {
			t.Fatal(err)
		}
		if done() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not seen in 10 s", what)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// threadsHelperEnv makes the test binary a multi-threaded service that
// runs until killed (see TestMain).
const threadsHelperEnv = "SUPERBENCH_TEST_THREADS"

func TestMain(m *testing.M) {
	if os.Getenv(threadsHelperEnv) == "1" {
		// Each goroutine locked to its thread keeps one more thread,
		// named as the process is.
		for range 4 {
			go func() {
				runtime.LockOSThread()
				select {}
			}()
		}
		select {}
	}
	os.Exit(m.Run())
}

// TestSpawnWatchIgnoresThreads checks that the threads of a service, which
// /proc shows by their IDs with the service's name and parent, do not count
// as more services.
func TestSpawnWatchIgnoresThreads(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	st, err := readStat(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	w, err := newSpawnWatch(st.comm, nil, os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, "-test.run=^$")
	cmd.Env = append(os.Environ(), threadsHelperEnv+"=1")
	startChild(t, cmd)
	pollWatch(t, w, "the helper and its threads", func() bool {
		cs, err := readStat(cmd.Process.Pid)
		return err == nil && cs.threads >= 5 && w.count() > 0
	})
	if err := w.poll(); err != nil { // the last threads' IDs
		t.Fatal(err)
	}
	got := w.running()
	if len(got) != 1 || got[0].pid != cmd.Process.Pid {
		t.Errorf("running = %+v, want only the helper's process %d", got, cmd.Process.Pid)
	}
}

func TestParseStat(t *testing.T) {
	line := "4242 (a (weird) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 7 3 0 0 20 0 3 0 123456 1000 200 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0"
	st, err := parseStat(4242, []byte(line))
	if err != nil {
		t.Fatal(err)
	}
	want := procStat{pid: 4242, ppid: 1, comm: "a (weird) name", state: 'S', start: 123456, threads: 3}
	if st != want {
		t.Errorf("parseStat = %+v, want %+v", st, want)
	}
	if _, err := parseStat(1, []byte("1 (x) S 1 2")); err == nil {
		t.Error("a truncated line parsed")
	}
}

func TestStatsAndFormat(t *testing.T) {
	if m := median([]float64{3, 1, 2}); m != 2 {
		t.Errorf("median odd = %v", m)
	}
	if m := median([]float64{4, 1, 2, 3}); m != 2.5 {
		t.Errorf("median even = %v", m)
	}
	for v, want := range map[float64]string{0: "0", 12: "12", 1058.4: "1058", 12.34: "12.3", 1.234: "1.23", 0.1234: "0.123", 0.001234: "0.00123", 0.0000123: "1.2e-05"} {
		if got := num(v); got != want {
			t.Errorf("num(%v) = %q, want %q", v, got, want)
		}
	}
	f := &figure{Values: []float64{1, 2, 9}}
	r := results{Figures: []*figure{f}}
	r.finish()
	if got := f.cell(); got != "2 (1–9)" {
		t.Errorf("cell = %q", got)
	}
	if got := rotate([]int{1, 2, 3}, 4); !slices.Equal(got, []int{2, 3, 1}) {
		t.Errorf("rotate = %v", got)
	}
}

func TestFlags(t *testing.T) {
	var stderr bytes.Buffer
	o, err := parseFlags([]string{"-quick", "-reps", "5", "-only", "restart,logs", "-peers", "loop,superd"}, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	if o.reps != 5 || o.kills != 3 || !slices.Equal(o.sizes, []int{1, 10}) {
		t.Errorf("-quick must keep explicit flags and shrink the others: %+v", o)
	}
	if !o.only["restart"] || !o.only["logs"] || o.only["memory"] {
		t.Errorf("only = %v", o.only)
	}
	if !slices.Equal(o.peers, []string{"superd", "loop"}) {
		t.Errorf("peers = %v, want the table order", o.peers)
	}
	for _, bad := range [][]string{{"-only", "speed"}, {"-peers", "systemd"}, {"-n", "0"}, {"extra"}} {
		if _, err := parseFlags(bad, &stderr); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestQuoting(t *testing.T) {
	for in, want := range map[string]string{"/bin/sleep": "/bin/sleep", "a b": "'a b'", "it's": `'it'\''s'`, "": "''"} {
		if got := shellWord(in); got != want {
			t.Errorf("shellWord(%q) = %q, want %q", in, got, want)
		}
	}
	if got := commandLine([]string{"-out", "/x/y/results.json", "-md=/a/b.md", "-quick"}); got != "superbench -out results.json -md=b.md -quick" {
		t.Errorf("commandLine = %q", got)
	}
}

// A CLI that fails says why in the error even when it says it on stdout,
// as runit's sv does ("fail: NAME: runsv not running"), not only on stderr,
// and even when the complaint is followed by the status of other services.
func TestTimeCommandKeepsStdoutOfAFailure(t *testing.T) {
	r, err := newReaper()
	if err != nil {
		t.Fatal(err)
	}
	b := &bench{reaper: r}
	b.opt.timeout = 30 * time.Second
	for _, c := range []struct{ script, want string }{
		{"i=0; while [ $i -lt 100 ]; do echo ok: s$i; i=$((i+1)); done; echo 'fail: s1: runsv not running'; echo; exit 3",
			"exit status 3 (stdout: fail: s1: runsv not running)"},
		{"echo 'run: s0: (pid 1) 2s'; echo 'warning: s1: unable to open supervise/ok: file does not exist'; i=2; while [ $i -lt 100 ]; do echo run: s$i; i=$((i+1)); done; exit 1",
			"exit status 1 (stdout: warning: s1: unable to open supervise/ok: file does not exist)"},
		{"echo first; printf 'no newline at the end'; exit 2", "exit status 2 (stdout: no newline at the end)"},
	} {
		_, err = b.timeCommand(context.Background(), exec.Command("sh", "-c", c.script), nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("err = %v, want %q", err, c.want)
		}
	}
	if _, err := b.timeCommand(context.Background(), exec.Command("sh", "-c", "echo fine"), nil); err != nil {
		t.Errorf("a successful command: %v", err)
	}
}

// TestEmptyFilesKeepsInodes checks the clean-up between two measurements:
// the data of every file is freed, but nothing is deleted (see emptyFiles).
func TestEmptyFilesKeepsInodes(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "logs", "s0", "stdout.log")
	if err := os.MkdirAll(filepath.Dir(log), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(log, bytes.Repeat([]byte("x\n"), 4096), 0o644); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "supervise-control")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	before, err := os.Stat(log)
	if err != nil {
		t.Fatal(err)
	}
	if err := emptyFiles(dir); err != nil {
		t.Fatalf("emptyFiles: %v", err) // opening the FIFO would have blocked
	}
	after, err := os.Stat(log)
	if err != nil {
		t.Fatalf("the log file was deleted: %v", err)
	}
	if after.Size() != 0 {
		t.Errorf("the log file still holds %d bytes", after.Size())
	}
	if !os.SameFile(before, after) {
		t.Error("the log file was replaced by another inode")
	}
	if _, err := os.Lstat(fifo); err != nil {
		t.Errorf("the FIFO was deleted: %v", err)
	}
	if err := emptyFiles(filepath.Join(dir, "gone")); err != nil {
		t.Errorf("emptyFiles of a missing dir: %v", err)
	}
}
