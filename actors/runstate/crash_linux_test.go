//go:build linux

package runstate

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/supers-dev/supers/actors/process"
)

// helperEnv makes the test binary run superdHelper (see TestMain). Its
// value is "MODE:PATH".
const helperEnv = "RUNSTATE_TEST_SUPERD"

// helperScript is the service the helper runs: a leader and a member of
// its group, which prints "member PID".
const helperScript = `sh -c 'echo member $$; exec sleep 60' & wait`

// superdHelper plays a superd using the state file at path: it starts
// helperScript, records it, prints "leader PID" then "ready", and waits to
// be killed. In mode "manager" it starts it as superd does, through a
// subreaper process.Manager (the leader dies with the helper), with the
// marker in its environment; in mode "exec" with os/exec, without marker
// (the leader outlives the helper).
func superdHelper(arg string) int {
	fail := func(err error) int {
		fmt.Println("error:", err)
		return 1
	}
	mode, path, _ := strings.Cut(arg, ":")
	s, _, err := Open(path, nil)
	if err != nil {
		return fail(err)
	}
	var rec Record
	switch mode {
	case "manager":
		m, err := process.NewManager(process.Options{Subreaper: true})
		if err != nil {
			return fail(err)
		}
		h, err := m.Start(process.Spec{
			Argv:   []string{"sh", "-c", helperScript},
			Env:    append(os.Environ(), MarkerEnv+"="+s.Marker("web")),
			Stdout: os.Stdout,
		}, func(process.Exit) {})
		if err != nil {
			return fail(err)
		}
		rec = Record{Service: "web", PID: h.PID, PGID: h.PGID, StartTime: h.StartTime}
	case "exec":
		cmd := exec.Command("sh", "-c", helperScript)
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		cmd.Stdout = os.Stdout
		if err := cmd.Start(); err != nil {
			return fail(err)
		}
		pid := cmd.Process.Pid
		start, err := process.ProcStartTime(pid)
		if err != nil {
			return fail(err)
		}
		rec = Record{Service: "web", PID: pid, PGID: pid, StartTime: start}
	default:
		return fail(fmt.Errorf("unknown mode %q", mode))
	}
	if err := s.SetRunning(rec); err != nil {
		return fail(err)
	}
	fmt.Println("leader", rec.PID)
	fmt.Println("ready")
	select {} // until SIGKILLed
}

// TestKillStaleAfterSuperdKilled SIGKILLs a superd whose service runs a
// leader and a member of its group, then checks that the next superd kills
// what is left: the member alone when the leader died with superd (found
// by its marker), the whole group when the leader survived (found by its
// record).
func TestKillStaleAfterSuperdKilled(t *testing.T) {
	for _, mode := range []string{"manager", "exec"} {
		t.Run(mode, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "superd.state")
			pids := runKilledSuperd(t, mode, path)
			_, st := open(t, path)
			if len(st.Processes) != 1 || st.Processes[0].PID != pids["leader"] {
				t.Fatalf("state = %+v, want the leader %d", st, pids["leader"])
			}
			if mode == "manager" {
				// The leader died with superd (parent-death signal).
				leader := pids["leader"]
				waitFor(t, "leader to exit", func() bool { return exited(leader) })
				wantSignal(t, "leader", reap(t, leader), syscall.SIGKILL)
				delete(pids, "leader")
				// The record alone cannot identify the rest of the group.
				noMarker := st
				noMarker.Marker = ""
				if killed := KillStale(t.Context(), noMarker, termAfter(deadline), testLogger(t)); killed != nil {
					t.Errorf("without the marker, killed %+v", killed)
				}
			}
			killed := KillStale(t.Context(), st, termAfter(deadline), testLogger(t))
			if !reflect.DeepEqual(killed, st.Processes) {
				t.Errorf("killed %+v, want %+v", killed, st.Processes)
			}
			for role, pid := range pids {
				waitFor(t, role+" to exit", func() bool { return exited(pid) })
				wantSignal(t, role, reap(t, pid), syscall.SIGTERM)
			}
		})
	}
}

// reap waits for pid, a child of this process, and returns its status.
func reap(t *testing.T, pid int) syscall.WaitStatus {
	t.Helper()
	var ws syscall.WaitStatus
	if _, err := syscall.Wait4(pid, &ws, 0, nil); err != nil {
		t.Fatalf("reap %d: %v", pid, err)
	}
	return ws
}

// runKilledSuperd runs superdHelper in mode with the state file at path,
// SIGKILLs it once its service runs and returns the pids of the service's
// "leader" and "member", now orphans reparented to this process.
func runKilledSuperd(t *testing.T, mode, path string) map[string]int {
	t.Helper()
	superd, pids := runSuperd(t, mode, path)
	if err := superd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = superd.Wait()
	return pids
}

// runSuperd runs superdHelper in mode with the state file at path until
// its service runs, and returns it, still running, and the pids of the
// service's "leader" and "member". It is killed when the test ends.
func runSuperd(t *testing.T, mode, path string) (*exec.Cmd, map[string]int) {
	t.Helper()
	superd := exec.Command(os.Args[0], "-test.run=^$")
	superd.Env = append(os.Environ(), helperEnv+"="+mode+":"+path)
	superd.Stderr = testWriter{t}
	out, err := superd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := superd.Start(); err != nil {
		t.Fatal(err)
	}
	pids := map[string]int{}
	t.Cleanup(func() {
		_ = superd.Process.Kill()
		_ = superd.Wait()
		for _, pid := range pids {
			if parentOf(pid) == os.Getpid() {
				_ = syscall.Kill(pid, syscall.SIGKILL)
				_, _ = syscall.Wait4(pid, nil, 0, nil)
			}
		}
	})
	// Three lines, in any order: "leader PID", "member PID", "ready".
	r := bufio.NewReader(out)
	for range 3 {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("read from superd: %v", err)
		}
		role, pid, _ := strings.Cut(strings.TrimSpace(line), " ")
		if role == "ready" {
			continue
		}
		if pids[role], err = strconv.Atoi(pid); err != nil {
			t.Fatalf("superd said %q", line)
		}
	}
	if pids["leader"] == 0 || pids["member"] == 0 {
		t.Fatalf("superd did not report its processes: %v", pids)
	}
	return superd, pids
}

// A superd whose state file's lock file is gone (a cleaner of old files
// removed it: it is never rewritten) still runs: another superd on the
// same file, which could take the lock anew, is refused, rather than take
// the running superd's services for leftovers and kill them. Once that
// superd is gone, the file opens.
func TestOpenRefusesAFileWhoseWriterRuns(t *testing.T) {
	path := filepath.Join(t.TempDir(), "superd.state")
	superd, pids := runSuperd(t, "manager", path)
	if err := os.Remove(path + ".lock"); err != nil {
		t.Fatal(err)
	}
	// Every try: the first one must not leave a lock file that the next
	// takes for the running superd's, released.
	for try := range 2 {
		_, _, err := Open(path, testLogger(t))
		if !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), fmt.Sprintf("pid %d, still runs", superd.Process.Pid)) {
			t.Fatalf("Open %d beside a running superd whose lock file is gone: %v, want ErrInUse naming pid %d", try+1, err, superd.Process.Pid)
		}
	}
	if exited(pids["member"]) {
		t.Fatal("the running superd's service was killed")
	}
	// Killed, not reaped yet: a zombie, which runs no more.
	if err := superd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	pid := superd.Process.Pid
	waitFor(t, "superd to be a zombie", func() bool { info, err := inspect(pid); return err == nil && info.exited() })
	s, _, err := Open(path, testLogger(t))
	if err != nil {
		t.Fatalf("Open once that superd is gone (a zombie): %v", err)
	}
	_ = s.Close()
	_ = superd.Wait()
	// What it left is the next superd's to stop (see runKilledSuperd's
	// callers); its cleanup kills it here.
}
