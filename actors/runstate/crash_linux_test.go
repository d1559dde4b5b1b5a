//go:build linux

package runstate

import (
	"bufio"
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

// helperEnv makes the test binary run superdHelper with the state file it
// names (see TestMain).
const helperEnv = "RUNSTATE_TEST_SUPERD_STATE"

// superdHelper plays a superd: it starts a service whose leader runs a
// member in its group (which prints "member PID"), records it in the state
// file at path, prints "leader PID" then "ready", and waits to be killed.
func superdHelper(path string) int {
	s, _, err := Open(path, nil)
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	cmd := exec.Command("sh", "-c", `sh -c 'echo member $$; exec sleep 60' & wait`)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Stdout = os.Stdout
	if err := cmd.Start(); err != nil {
		fmt.Println("error:", err)
		return 1
	}
	pid := cmd.Process.Pid
	start, err := process.ProcStartTime(pid)
	if err == nil {
		err = s.SetRunning(Record{Service: "web", PID: pid, PGID: pid, StartTime: start})
	}
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	fmt.Println("leader", pid)
	fmt.Println("ready")
	select {} // until SIGKILLed
}

// TestKillStaleAfterSuperdKilled SIGKILLs a superd whose service runs a
// leader and a member, then checks that a new superd finds and kills both.
func TestKillStaleAfterSuperdKilled(t *testing.T) {
	path := filepath.Join(t.TempDir(), "superd.state")
	superd := exec.Command(os.Args[0], "-test.run=^$")
	superd.Env = append(os.Environ(), helperEnv+"="+path)
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
		for _, pid := range pids { // orphans of superd are ours (TestMain)
			if parentOf("/proc/"+strconv.Itoa(pid)+"/stat") == os.Getpid() {
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
	if err := superd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = superd.Wait()

	_, st := open(t, path)
	if len(st.Processes) != 1 || st.Processes[0].PID != pids["leader"] {
		t.Fatalf("state = %+v, want the leader %d", st, pids["leader"])
	}
	killed := KillStale(t.Context(), st, deadline, testLogger(t))
	if !reflect.DeepEqual(killed, st.Processes) {
		t.Errorf("killed %+v, want %+v", killed, st.Processes)
	}
	for _, role := range []string{"leader", "member"} {
		pid := pids[role]
		waitFor(t, role+" to exit", func() bool { return exited(pid) })
		var ws syscall.WaitStatus
		if _, err := syscall.Wait4(pid, &ws, 0, nil); err != nil {
			t.Fatalf("reap %s: %v", role, err)
		}
		wantSignal(t, role, ws, syscall.SIGTERM)
	}
}
