//go:build linux

package process

import (
	"os/exec"
	"runtime"
	"slices"
	"syscall"
	"testing"
	"time"
)

func pmed(d []time.Duration) time.Duration { s := slices.Clone(d); slices.Sort(s); return s[len(s)/2] }

func TestZZProbeStart(t *testing.T) {
	m := newManager(t, Options{Logger: discardLogger()})
	const n = 200
	var mgr, bare, hop, st []time.Duration
	reqs := make(chan chan struct{})
	go func() {
		runtime.LockOSThread()
		for r := range reqs {
			r <- struct{}{}
		}
	}()
	defer close(reqs)
	for range n {
		time.Sleep(20 * time.Millisecond)
		exited := make(chan Exit, 1)
		t0 := time.Now()
		h, err := m.Start(Spec{Argv: []string{"/bin/sleep", "1000"}}, func(e Exit) { exited <- e })
		mgr = append(mgr, time.Since(t0))
		if err != nil {
			t.Fatal(err)
		}
		syscall.Kill(h.PID, syscall.SIGKILL)
		<-exited

		time.Sleep(20 * time.Millisecond)
		t0 = time.Now()
		cmd := exec.Command("/bin/sleep", "1000")
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		bare = append(bare, time.Since(t0))
		t0 = time.Now()
		ProcStartTime(cmd.Process.Pid)
		st = append(st, time.Since(t0))
		cmd.Process.Kill()
		// let the manager's reaper not steal: non-subreaper mode only waits for its pids
		cmd.Wait()

		time.Sleep(20 * time.Millisecond)
		t0 = time.Now()
		r := make(chan struct{}, 1)
		reqs <- r
		<-r
		hop = append(hop, time.Since(t0))
	}
	t.Logf("Manager.Start %v  bare cmd.Start %v  ProcStartTime %v  locked-thread round trip %v", pmed(mgr), pmed(bare), pmed(st), pmed(hop))
}
