//go:build linux

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/supers-dev/supers/transport"
)

// The integration tests build the real superd and supers binaries once and
// run them on real child processes in temporary directories.

var binDir string

func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == wipeEnvArg {
		os.Exit(wipeEnvMain())
	}
	if len(os.Args) > 1 && os.Args[1] == brokenStderrArg {
		os.Exit(brokenStderrMain())
	}
	dir, err := os.MkdirTemp("", "superd-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := func() int {
		defer os.RemoveAll(dir)
		for _, prog := range []string{"superd", "supers"} {
			args := []string{"build", "-o", filepath.Join(dir, prog)}
			if raceEnabled {
				args = append(args, "-race")
			}
			cmd := exec.Command("go", append(args, "../"+prog)...)
			cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
			if err := cmd.Run(); err != nil {
				fmt.Fprintf(os.Stderr, "building %s: %v\n", prog, err)
				return 1
			}
		}
		binDir = dir
		if raceEnabled {
			// A race-enabled program sleeps a second before it exits
			// (atexit_sleep_ms): every supers run and every superd
			// stopped by a test would take a second longer.
			os.Setenv("GORACE", strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
		}
		return m.Run()
	}()
	os.Exit(code)
}

// daemon is one superd under test.
type daemon struct {
	t         *testing.T
	dir       string // config dir
	logDir    string
	socket    string
	cmd       *exec.Cmd
	stderr    *syncBuffer
	exited    chan struct{}
	exitErr   error
	client    *transport.Client
	mu        sync.Mutex
	seenPIDs  map[int]bool
	stopOnce  sync.Once
	extraArgs []string
	// prepare, if set, adjusts the superd command before it starts.
	prepare func(*exec.Cmd)
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newDaemon writes the given service files into a fresh config dir.
func newDaemon(t *testing.T, files map[string]string) *daemon {
	t.Helper()
	// Unix socket paths are limited to ~108 bytes: keep the dir short.
	dir, err := os.MkdirTemp("", "sd")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	d := &daemon{
		t:        t,
		dir:      filepath.Join(dir, "etc"),
		logDir:   filepath.Join(dir, "logs"),
		socket:   filepath.Join(dir, "run", "superd.sock"),
		seenPIDs: map[int]bool{},
	}
	if err := os.Mkdir(d.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range files {
		d.writeFile(name, body)
	}
	d.client = transport.NewClient(d.socket)
	return d
}

func (d *daemon) writeFile(name, body string) {
	d.t.Helper()
	if err := os.WriteFile(filepath.Join(d.dir, name), []byte(body), 0o644); err != nil {
		d.t.Fatal(err)
	}
}

// start launches superd and waits until its socket answers.
func (d *daemon) start() *daemon {
	d.t.Helper()
	d.launch()
	waitFor(d.t, 20*time.Second, "superd answers on its socket", func() bool {
		select {
		case <-d.exited:
			d.t.Fatalf("superd exited early: %v\n%s", d.exitErr, d.stderr.String())
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, err := d.client.List(ctx)
		return err == nil
	})
	return d
}

// launch starts the superd process without waiting for it.
func (d *daemon) launch() {
	d.t.Helper()
	args := append([]string{"--config-dir", d.dir, "--log-dir", d.logDir, "--socket", d.socket, "--log-level", "debug"}, d.extraArgs...)
	d.cmd = exec.Command(filepath.Join(binDir, "superd"), args...)
	d.stderr = &syncBuffer{}
	d.cmd.Stderr = d.stderr
	d.cmd.Stdout = d.stderr
	d.cmd.Env = append(os.Environ(), "SUPERS_SOCKET=")
	if d.prepare != nil {
		d.prepare(d.cmd)
	}
	if err := d.cmd.Start(); err != nil {
		d.t.Fatal(err)
	}
	d.exited = make(chan struct{})
	go func() {
		d.exitErr = d.cmd.Wait()
		close(d.exited)
	}()
	d.t.Cleanup(d.cleanup)
}

// terminate sends SIGTERM and waits for superd to exit.
func (d *daemon) terminate() error {
	d.t.Helper()
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.exited:
		return d.exitErr
	case <-time.After(30 * time.Second):
		d.t.Fatalf("superd did not exit after SIGTERM\n%s", d.stderr.String())
		return nil
	}
}

// cleanup makes sure neither superd nor any child it started outlives the test.
func (d *daemon) cleanup() {
	d.stopOnce.Do(func() {
		select {
		case <-d.exited:
		default:
			_ = d.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-d.exited:
			case <-time.After(20 * time.Second):
				_ = d.cmd.Process.Kill()
				<-d.exited
			}
		}
		d.mu.Lock()
		defer d.mu.Unlock()
		for pid := range d.seenPIDs {
			if alive(pid) {
				d.t.Errorf("process %d outlived superd", pid)
				_ = syscall.Kill(-pid, syscall.SIGKILL)
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		if d.t.Failed() {
			d.t.Logf("superd log:\n%s", d.stderr.String())
		}
	})
}

func (d *daemon) track(pid int) {
	if pid > 0 {
		d.mu.Lock()
		d.seenPIDs[pid] = true
		d.mu.Unlock()
	}
}

// status asks superd for one service's status through the Go client.
func (d *daemon) status(name string) transport.ServiceStatus {
	d.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := d.client.Status(ctx, name)
	if err != nil {
		d.t.Fatalf("status %s: %v", name, err)
	}
	d.track(st.PID)
	return st
}

// waitSleeping waits until service name runs "/bin/sleep arg": the
// command its file gives now.
func (d *daemon) waitSleeping(what, name, arg string) {
	d.t.Helper()
	waitFor(d.t, 10*time.Second, what, func() bool {
		st := d.status(name)
		cmd, _ := os.ReadFile("/proc/" + itoa(st.PID) + "/cmdline")
		return st.State == "running" && string(cmd) == "/bin/sleep\x00"+arg+"\x00"
	})
}

// waitRunning waits until name runs and returns its status. The service
// may not exist yet (a reload in progress).
func (d *daemon) waitRunning(name string) transport.ServiceStatus {
	d.t.Helper()
	var st transport.ServiceStatus
	waitFor(d.t, 10*time.Second, name+" running", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var err error
		st, err = d.client.Status(ctx, name)
		if err != nil {
			if errors.Is(err, transport.ErrUnknownService) {
				return false
			}
			d.t.Fatalf("status %s: %v", name, err)
		}
		d.track(st.PID)
		return st.State == "running" && st.PID > 0
	})
	return st
}

// loggedPID waits until service name's stdout log holds a pid (its whole
// content, as a service that prints $! writes it), tracks it so that it
// must not outlive superd, and returns it.
func (d *daemon) loggedPID(name string) int {
	d.t.Helper()
	var pid int
	waitFor(d.t, 10*time.Second, name+" logged a pid", func() bool {
		out, _ := os.ReadFile(filepath.Join(d.logDir, name, "stdout.log"))
		pid, _ = strconv.Atoi(strings.TrimSpace(string(out)))
		return pid > 0
	})
	d.track(pid)
	return pid
}

// waitLogged waits until superd's log holds s, and returns the log. A
// record may reach d.stderr after the answer to the request that logged
// it: superd writes its log through a queue (logQueue), and the test reads
// it through a pipe.
func (d *daemon) waitLogged(s string) string {
	d.t.Helper()
	var log string
	waitFor(d.t, 20*time.Second, "superd to log "+strconv.Quote(s), func() bool {
		log = d.stderr.String()
		return strings.Contains(log, s)
	})
	return log
}

// cli runs the supers binary against this daemon.
func (d *daemon) cli(args ...string) (stdout, stderr string, code int) {
	d.t.Helper()
	return runCLI(d.t, d.socket, args...)
}

// mustCLI runs supers against d and returns its output, failing the test
// unless it exits 0.
func (d *daemon) mustCLI(args ...string) string {
	d.t.Helper()
	out, errs, code := d.cli(args...)
	if code != 0 {
		d.t.Fatalf("supers %s: exit %d: %s", strings.Join(args, " "), code, errs)
	}
	return out
}

func runCLI(t *testing.T, socket string, args ...string) (string, string, int) {
	t.Helper()
	return runCLIWith(t, []string{"SUPERS_SOCKET=" + socket}, args...)
}

// runCLIWith runs the supers binary with env added to the environment
// (later entries win).
func runCLIWith(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, "supers"), args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("supers %v: %v", args, err)
		}
		code = ee.ExitCode()
	}
	return out.String(), errb.String(), code
}

// cliJSON runs supers --json and decodes its output.
func (d *daemon) cliJSON(v any, args ...string) int {
	d.t.Helper()
	out, errs, code := d.cli(append([]string{"--json"}, args...)...)
	if code == 0 || out != "" {
		if err := json.Unmarshal([]byte(out), v); err != nil {
			d.t.Fatalf("supers %v: bad JSON %q (stderr %q): %v", args, out, errs, err)
		}
	}
	return code
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for delay := time.Millisecond; ; delay = min(delay*2, 50*time.Millisecond) {
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for: %s", timeout, what)
		}
		time.Sleep(delay)
	}
}

// procInfo is what the tests read of a process in /proc/PID/stat.
type procInfo struct {
	pid, ppid, pgid int
	state           string // R, S, Z...
}

// readProc reads /proc/PID/stat.
func readProc(pid int) (procInfo, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procInfo{}, err
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')') // the command name may contain spaces
	if i < 0 || i+2 >= len(s) {
		return procInfo{}, fmt.Errorf("bad stat %q", s)
	}
	f := strings.Fields(s[i+2:])
	if len(f) < 3 {
		return procInfo{}, fmt.Errorf("bad stat %q", s)
	}
	ppid, _ := strconv.Atoi(f[1])
	pgid, _ := strconv.Atoi(f[2])
	return procInfo{pid: pid, state: f[0], ppid: ppid, pgid: pgid}, nil
}

// processes lists the processes for which keep is true.
func processes(keep func(procInfo) bool) []int {
	var out []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if p, err := readProc(pid); err == nil && keep(p) {
			out = append(out, pid)
		}
	}
	return out
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	p, err := readProc(pid)
	return err == nil && p.state != "Z" && p.state != "X"
}

// groupMembers lists the live processes whose process group is pgid.
func groupMembers(pgid int) []int {
	return processes(func(p procInfo) bool { return p.state != "Z" && p.pgid == pgid })
}

// childrenOf lists the live (non-zombie) children of ppid.
func childrenOf(ppid int) []int {
	return processes(func(p procInfo) bool { return p.state != "Z" && p.ppid == ppid })
}

// zombiesOf lists the zombie children of ppid.
func zombiesOf(ppid int) []int {
	return processes(func(p procInfo) bool { return p.state == "Z" && p.ppid == ppid })
}
