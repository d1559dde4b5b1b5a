//go:build linux

package process

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// helperEnv selects a helper mode of the test binary (see TestMain).
const helperEnv = "SUPERS_PROCESS_TEST_HELPER"

// TestMain runs the test binary as a helper process when helperEnv is set.
// Otherwise the test process becomes a child subreaper, so that the
// orphaned grandchildren some tests create are reparented to it and can be
// reaped (killOrphan) instead of being left to init.
func TestMain(m *testing.M) {
	switch os.Getenv(helperEnv) {
	case "":
	case "subreaper":
		// A descriptor inherited without close-on-exec, as from a shell.
		if _, err := syscall.Open("/dev/null", syscall.O_RDONLY, 0); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		os.Exit(subreaperHelper())
	case "pdeathsig":
		os.Exit(pdeathsigHelper())
	case "storm":
		os.Exit(stormHelper())
	case "mainthread":
		os.Exit(mainThreadHelper())
	case "blockedmask":
		os.Exit(blockedMaskHelper())
	case "twosubreapers":
		os.Exit(twoSubreapersHelper())
	case "pollerretry":
		os.Exit(pollerRetryHelper())
	case "groups":
		os.Exit(groupsHelper())
	case "workdir-unprivileged":
		os.Exit(workdirUnprivilegedHelper())
	case "tracer":
		os.Exit(tracerHelper())
	case "hungexec":
		os.Exit(hungExecHelper())
	case "sigign":
		os.Exit(sigIgnHelper())
	case "sigpipe":
		os.Exit(sigpipeHelper())
	case "sigpipe-noswitch":
		os.Exit(sigpipeNoSwitchHelper())
	case "sigign-clib":
		// Started ignoring them, as under a launcher that ignores every
		// signal (the runtime left them as it found them).
		if err := ignoreCLibrarySignals(); err != nil {
			fmt.Println("FAIL:", err)
			os.Exit(1)
		}
		os.Exit(sigIgnHelper())
	default:
		fmt.Fprintln(os.Stderr, "unknown helper mode")
		os.Exit(2)
	}
	if err := setSubreaper(true); err != nil {
		fmt.Fprintln(os.Stderr, "become subreaper:", err)
		os.Exit(2)
	}
	code := m.Run()
	// Safety net: a test that left a child (or a zombie) behind fails.
	if kids := childrenOf(os.Getpid()); len(kids) > 0 {
		fmt.Fprintln(os.Stderr, "children left behind (pid:state):", kids)
		for _, kid := range kids {
			pid, _ := strconv.Atoi(strings.Split(kid, ":")[0])
			_ = syscall.Kill(pid, syscall.SIGKILL)
			_, _ = syscall.Wait4(pid, nil, 0, nil)
		}
		code = 1
	}
	os.Exit(code)
}

// runHelper runs the test binary in the given helper mode.
func runHelper(t *testing.T, mode string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+mode)
	return cmd
}

// subreaperHelper runs a subreaper Manager whose children leave orphans
// behind, checks that the orphans are reparented to it and reaped, and
// prints "SUBREAPER OK".
func subreaperHelper() int {
	fail := func(format string, args ...any) int {
		fmt.Printf("FAIL: "+format+"\n", args...)
		return 1
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	m, err := NewManager(Options{Subreaper: true, Logger: log})
	if err != nil {
		return fail("NewManager: %v", err)
	}
	defer m.Close()
	self := os.Getpid()
	const n = 5
	for range n {
		r, w, err := os.Pipe()
		if err != nil {
			return fail("pipe: %v", err)
		}
		exited := make(chan Exit, 1)
		_, err = m.Start(Spec{
			Argv:   []string{"/bin/sh", "-c", "sleep 0.3 & echo $!; exit 0"},
			Env:    os.Environ(),
			Stdout: w,
		}, func(e Exit) { exited <- e })
		w.Close()
		if err != nil {
			return fail("Start: %v", err)
		}
		line, err := bufio.NewReader(r).ReadString('\n')
		r.Close()
		if err != nil {
			return fail("read orphan pid: %v", err)
		}
		orphan, _ := strconv.Atoi(strings.TrimSpace(line))
		select {
		case e := <-exited:
			if e.Code != 0 {
				return fail("shell exit %v", e)
			}
		case <-time.After(deadline):
			return fail("no exit callback")
		}
		// The shell is reaped, so the orphan has been reparented by now.
		if ppid, ok := procPPID(orphan); ok && ppid != self {
			return fail("orphan %d has parent %d, want the subreaper %d", orphan, ppid, self)
		}
	}
	// Only fds 0-2, plus the directory ls reads, even though this process
	// holds a descriptor opened without close-on-exec (see TestMain).
	fds, err := lsFDs(m)
	if err != nil {
		return fail("list child fds: %v", err)
	}
	if fds != "0 1 2 3" {
		return fail("fds of a child: %q, want only 0 1 2 (and 3, the listing)", fds)
	}

	// Every orphan exits on its own; none may stay a zombie.
	end := time.Now().Add(deadline)
	for {
		kids := childrenOf(self)
		if len(kids) == 0 {
			break
		}
		if time.Now().After(end) {
			return fail("children left behind (pid: state): %v", kids)
		}
		time.Sleep(10 * time.Millisecond)
	}
	fmt.Printf("SUBREAPER OK %d\n", n)
	return 0
}

// lsFDs returns the descriptors a child has, as listed by ls.
func lsFDs(m *Manager) (string, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return "", err
	}
	defer r.Close()
	exited := make(chan Exit, 1)
	_, err = m.Start(Spec{Argv: []string{"ls", "/proc/self/fd"}, Stdout: w}, func(e Exit) { exited <- e })
	w.Close()
	if err != nil {
		return "", err
	}
	out, err := io.ReadAll(r)
	if err != nil {
		return "", err
	}
	if e := <-exited; e.Code != 0 {
		return "", fmt.Errorf("ls: %v", e)
	}
	return strings.Join(strings.Fields(string(out)), " "), nil
}

func TestSubreaperReapsOrphans(t *testing.T) {
	cmd := runHelper(t, "subreaper")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || !strings.Contains(string(out), "SUBREAPER OK 5") {
		t.Fatalf("helper: %v\nstdout:\n%s\nstderr:\n%s", err, out, stderr.String())
	}
	if !strings.Contains(stderr.String(), "reaped orphaned descendant") {
		t.Errorf("no orphan reaped in the helper's log:\n%s", stderr.String())
	}
}

// pdeathsigHelper starts long sleeps, as itself and, when root, as
// another user (a credential change must not drop Pdeathsig), prints their
// pids and exits without closing the Manager: the children must then be
// killed by Pdeathsig.
func pdeathsigHelper() int {
	m, err := NewManager(Options{})
	if err != nil {
		fmt.Println("FAIL:", err)
		return 1
	}
	specs := []Spec{{Argv: []string{"sleep", "60"}}}
	if os.Geteuid() == 0 {
		specs = append(specs, Spec{Argv: []string{"sleep", "60"}, User: "65534", Group: "65534"})
	}
	for _, spec := range specs {
		h, err := m.Start(spec, nil)
		if err != nil {
			fmt.Println("FAIL:", err)
			return 1
		}
		fmt.Println(h.PID)
	}
	return 0
}

func TestChildDiesWithSupervisor(t *testing.T) {
	out, err := runHelper(t, "pdeathsig").Output()
	if err != nil {
		t.Fatalf("helper: %v, output %q", err, out)
	}
	// The orphans are reparented to this process, the subreaper. Whatever
	// happens, none is left behind.
	reaped := make(map[int]bool)
	var pids []int
	for _, line := range strings.Fields(string(out)) {
		pid, err := strconv.Atoi(line)
		if err != nil {
			t.Fatalf("helper output %q", out)
		}
		pids = append(pids, pid)
	}
	t.Cleanup(func() {
		for _, pid := range pids {
			if !reaped[pid] {
				killOrphan(t, pid)
			}
		}
	})
	for _, pid := range pids {
		var ws syscall.WaitStatus
		waitFor(t, fmt.Sprintf("orphaned child %d to die", pid), func() bool {
			wpid, err := syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
			if err != nil && !errors.Is(err, syscall.EINTR) {
				t.Fatalf("wait for the orphaned child %d: %v", pid, err)
			}
			reaped[pid] = wpid == pid
			return reaped[pid]
		})
		if !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Errorf("child %d: status %v, want killed by SIGKILL", pid, ws)
		}
	}
}

// mainThreadHelper runs the spawner loop on the main thread, which the
// runtime never lets exit, starts a long sleep, closes the Manager and
// prints "MAINTHREAD OK" if the sleep was killed (Pdeathsig): the forks
// must have moved to a thread that exits with the spawner.
func mainThreadHelper() int {
	// TestMain starts on the main thread, locked there during init.
	runtime.LockOSThread()
	if !onMainThread() {
		fmt.Println("MAINTHREAD SKIP: TestMain not on the main thread")
		return 0
	}
	m, err := prepareManager(Options{}, pidfdsWork())
	if err != nil {
		fmt.Println("FAIL:", err)
		return 1
	}
	m.wg.Add(2)
	go m.reapLoop()
	result := make(chan string, 1)
	go func() {
		h, err := m.Start(Spec{Argv: []string{"sleep", "60"}}, nil)
		if err != nil {
			m.Close()
			result <- fmt.Sprint("FAIL: ", err)
			return
		}
		m.Close()
		end := time.Now().Add(deadline)
		for {
			var ws syscall.WaitStatus
			wpid, err := syscall.Wait4(h.PID, &ws, syscall.WNOHANG, nil)
			switch {
			case errors.Is(err, syscall.EINTR):
			case err != nil:
				result <- fmt.Sprint("FAIL: wait: ", err)
				return
			case wpid == h.PID && ws.Signaled() && ws.Signal() == syscall.SIGKILL:
				result <- "MAINTHREAD OK"
				return
			case wpid == h.PID:
				result <- fmt.Sprint("FAIL: child status ", ws)
				return
			case time.Now().After(end):
				_ = syscall.Kill(h.PID, syscall.SIGKILL)
				_, _ = syscall.Wait4(h.PID, nil, 0, nil)
				result <- "FAIL: child still running after Close"
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	m.spawnLoop() // returns at Close
	fmt.Println(<-result)
	return 0
}

// Close kills the children still running even when the spawner goroutine
// started on the main thread.
func TestSpawnerAvoidsMainThread(t *testing.T) {
	out, err := runHelper(t, "mainthread").CombinedOutput()
	switch {
	case strings.Contains(string(out), "MAINTHREAD SKIP"):
		t.Skip(string(out))
	case err != nil || !strings.Contains(string(out), "MAINTHREAD OK"):
		t.Fatalf("helper: %v\n%s", err, out)
	}
}

func TestStartTimeMatchesProc(t *testing.T) {
	m := newManager(t, Options{})
	p := start(t, m, Spec{Argv: []string{"sleep", "60"}})
	b, err := os.ReadFile("/proc/" + strconv.Itoa(p.PID) + "/stat")
	if err != nil {
		t.Fatal(err)
	}
	fields := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
	want, err := strconv.ParseUint(fields[19], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	if p.StartTime == 0 || p.StartTime != want {
		t.Fatalf("StartTime = %d, /proc says %d", p.StartTime, want)
	}
	if got, err := ProcStartTime(p.PID); err != nil || got != want {
		t.Fatalf("ProcStartTime = %d, %v; want %d", got, err, want)
	}
}

func TestParseStartTime(t *testing.T) {
	line := "42 (a) b (c) S 1 42 42 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 123456 1000 10 " +
		"18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n"
	if got, err := parseStartTime([]byte(line)); err != nil || got != 123456 {
		t.Errorf("parseStartTime = %d, %v; want 123456", got, err)
	}
	for _, bad := range []string{"", "42 (x", "42 (x) S 1 2", "42 (x) S 1 42 42 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 nan 1"} {
		if _, err := parseStartTime([]byte(bad)); err == nil {
			t.Errorf("parseStartTime(%q): no error", bad)
		}
	}
	if _, err := ProcStartTime(-1); err == nil {
		t.Error("ProcStartTime(-1): no error")
	}
}

// Files the process opened are not inherited, and stdin is /dev/null.
func TestOwnFilesNotInherited(t *testing.T) {
	m := newManager(t, Options{})
	f, err := os.Open(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	own := strconv.Itoa(int(f.Fd()))
	out, errOut, e := run(t, m, Spec{Argv: []string{"ls", "/proc/self/fd"}})
	fds := strings.Fields(out)
	std := slices.Contains(fds, "0") && slices.Contains(fds, "1") && slices.Contains(fds, "2")
	if e.Code != 0 || !std || slices.Contains(fds, own) {
		t.Fatalf("fds of the child: %q (stderr %q, exit %v); want 0 1 2 and not %s", fds, errOut, e, own)
	}
	out, _, _ = run(t, m, Spec{Argv: []string{"readlink", "/proc/self/fd/0"}})
	if strings.TrimSpace(out) != "/dev/null" {
		t.Errorf("stdin of the child is %q, want /dev/null", out)
	}
}

// procState returns the state letter of pid from /proc/PID/stat.
func procState(pid int) (byte, bool) {
	fields, ok := pidStatFields(pid)
	if !ok {
		return 0, false
	}
	return fields[0][0], true
}

// procPPID returns the parent pid of pid.
func procPPID(pid int) (int, bool) {
	fields, ok := pidStatFields(pid)
	if !ok {
		return 0, false
	}
	ppid, err := strconv.Atoi(fields[1])
	return ppid, err == nil
}

// pidStatFields returns the fields of /proc/PID/stat from field 3 (state)
// on (see statFields), at least three.
func pidStatFields(pid int) ([]string, bool) {
	var buf [4096]byte
	stat, err := readProcStat(strconv.Itoa(pid), buf[:])
	if err != nil {
		return nil, false
	}
	f, _ := statFields(stat)
	fields := make([]string, len(f))
	for i, b := range f {
		fields[i] = string(b)
	}
	return fields, len(fields) > 2
}

// childrenOf lists the processes whose parent is ppid, as "pid:state".
func childrenOf(ppid int) []string {
	entries, _ := os.ReadDir("/proc")
	var kids []string
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if fields, ok := pidStatFields(pid); ok && fields[1] == strconv.Itoa(ppid) {
			kids = append(kids, e.Name()+":"+fields[0])
		}
	}
	return kids
}

// Every child's stdin is the Manager's one /dev/null descriptor, opened
// read-write at NewManager (exec.Cmd would open a new one, read-only, at
// each start), and Close closes it.
func TestChildrenShareOneDevNull(t *testing.T) {
	before := devNullFDs(t)
	m, err := NewManager(Options{Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	if got := devNullFDs(t); got != before+1 {
		m.Close()
		t.Fatalf("descriptors of /dev/null after NewManager: %d, want %d", got, before+1)
	}
	for range 3 {
		out, errOut, e := run(t, m, Spec{Argv: []string{"cat", "/proc/self/fdinfo/0"}})
		if e.Code != 0 {
			m.Close()
			t.Fatalf("cat: %v (stderr %q)", e, errOut)
		}
		if !strings.Contains(out, "flags:") || !accessRDWR(out) {
			t.Errorf("fdinfo of the child's stdin: %q; want the Manager's read-write /dev/null", out)
		}
	}
	if got := devNullFDs(t); got != before+1 {
		t.Errorf("descriptors of /dev/null after 3 starts: %d, want %d", got, before+1)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if got := devNullFDs(t); got != before {
		t.Errorf("descriptors of /dev/null after Close: %d, want %d", got, before)
	}
}

// accessRDWR reports whether the flags line of an fdinfo file has the
// O_RDWR access mode.
func accessRDWR(fdinfo string) bool {
	for _, line := range strings.Split(fdinfo, "\n") {
		if v, ok := strings.CutPrefix(line, "flags:"); ok {
			flags, err := strconv.ParseUint(strings.TrimSpace(v), 8, 64)
			return err == nil && flags&syscall.O_ACCMODE == syscall.O_RDWR
		}
	}
	return false
}

// devNullFDs counts this process's descriptors open on /dev/null.
func devNullFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range ents {
		if target, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil && target == os.DevNull {
			n++
		}
	}
	return n
}
