//go:build linux

package runstate

import (
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/supers-dev/supers/actors/process"
)

// detachedPipeHolder starts, as superd starts a service, a leader in a
// session of its own whose stdout and stderr are two new pipes; the
// leader starts a process that leaves its session (setsid) and clears its
// environment (env -i) but keeps the pipes, then dies, as a leader does
// with a SIGKILLed superd. It returns the record of the leader's group
// (with the pipes) and the pid of the detached process, which is killed
// and reaped when the test ends.
func detachedPipeHolder(t *testing.T, service string) (Record, int) {
	t.Helper()
	var pipes [2]*os.File // the write ends: stdout, stderr
	var ids []uint64
	for i := range pipes {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		t.Cleanup(func() { _ = r.Close() })
		pipes[i] = w
		if ids = append(ids, process.PipeID(w)); ids[i] == 0 {
			t.Fatal("no inode number for the pipe")
		}
	}
	cmd := exec.Command("sh", "-c", `setsid env -i /bin/sleep 60 & echo $! >&3`)
	cmd.Stdout, cmd.Stderr = pipes[0], pipes[1]
	pidR, pidW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pidR.Close()
	cmd.ExtraFiles = []*os.File{pidW}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		_ = pidW.Close()
		t.Fatal(err)
	}
	_ = pidW.Close()
	rec := Record{Service: service, PID: cmd.Process.Pid, PGID: cmd.Process.Pid, Pipes: ids}
	if rec.StartTime, err = process.ProcStartTime(rec.PID); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 32)
	n, _ := pidR.Read(b)
	pid, err := strconv.Atoi(strings.TrimSpace(string(b[:n])))
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("pid of the detached process: %q: %v", b[:n], err)
	}
	t.Cleanup(func() {
		// Reparented to this process (a subreaper, see TestMain) once the
		// leader is gone.
		if parentOf(pid) == os.Getpid() {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			_, _ = syscall.Wait4(pid, nil, 0, nil)
		}
	})
	if err := cmd.Wait(); err != nil {
		t.Fatalf("leader: %v", err)
	}
	// Once it runs sleep, in a session of its own, with no environment.
	waitFor(t, "the detached process to be sleep, in its own session", func() bool {
		info, err := inspect(pid)
		cmdline, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
		env, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
		return err == nil && info.sid == pid && strings.HasPrefix(string(cmdline), "/bin/sleep\x00") && len(env) == 0
	})
	if held := outputPipes(pid); !slices.Equal(held, rec.Pipes) {
		t.Fatalf("the detached process holds %v as its stdout and stderr, want the pipes %v", held, rec.Pipes)
	}
	return rec, pid
}

// TestKillStaleFindsADetachedPipeHolder: a process of a service that left
// the service's process group and session, and cleared its environment,
// but still holds the pipe recorded as the service's stdout, is the
// service's wherever it is: once superd is SIGKILLed, the next one stops
// it, or the service would run twice (a live stop finds it the same way).
// The pipe proves it only in the boot it was recorded in.
func TestKillStaleFindsADetachedPipeHolder(t *testing.T) {
	rec, pid := detachedPipeHolder(t, "daemon")

	other := stateOf(t, rec)
	other.BootID = "another-boot"
	if killed := KillStale(t.Context(), other, termAfter(deadline), testLogger(t)); killed != nil {
		t.Errorf("a state of another boot: killed %+v, want nothing", killed)
	}
	if !alive(pid) {
		t.Fatal("the detached process is gone after a state of another boot")
	}

	killed := KillStale(t.Context(), stateOf(t, rec), termAfter(deadline), testLogger(t))
	if !slices.ContainsFunc(killed, func(r Record) bool { return r.Service == "daemon" && (r.PID == pid || r.PGID == pid) }) {
		t.Errorf("killed %+v, want the detached process %d of daemon", killed, pid)
	}
	waitFor(t, "the detached process to exit", func() bool { return exited(pid) })
	var ws syscall.WaitStatus
	if _, err := syscall.Wait4(pid, &ws, 0, nil); err != nil {
		t.Fatalf("reap the detached process: %v", err)
	}
	wantSignal(t, "the detached process", ws, syscall.SIGTERM)
}
