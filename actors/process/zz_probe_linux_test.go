//go:build linux

package process

import (
	"os"
	"os/exec"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func pmed(d []time.Duration) time.Duration { s := slices.Clone(d); slices.Sort(s); return s[len(s)/2] }

func rawStat(pid int) (uint64, error) {
	fd, err := unix.Open("/proc/"+strconv.Itoa(pid)+"/stat", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0, err
	}
	var buf [1024]byte
	n, err := unix.Read(fd, buf[:])
	unix.Close(fd)
	if err != nil {
		return 0, err
	}
	return parseStartTime(buf[:n])
}

func TestZZProbeStat(t *testing.T) {
	const n = 200
	var fresh, freshRaw, again, cmdStart, osStart []time.Duration
	devnull, _ := os.Open(os.DevNull)
	for i := range n {
		time.Sleep(10 * time.Millisecond)
		cmd := exec.Command("/bin/sleep", "1000")
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
		t0 := time.Now()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmdStart = append(cmdStart, time.Since(t0))
		t0 = time.Now()
		if i%2 == 0 {
			ProcStartTime(cmd.Process.Pid)
			fresh = append(fresh, time.Since(t0))
		} else {
			rawStat(cmd.Process.Pid)
			freshRaw = append(freshRaw, time.Since(t0))
		}
		t0 = time.Now()
		ProcStartTime(cmd.Process.Pid)
		again = append(again, time.Since(t0))
		cmd.Process.Kill()
		cmd.Wait()

		time.Sleep(10 * time.Millisecond)
		t0 = time.Now()
		p, err := os.StartProcess("/bin/sleep", []string{"sleep", "1000"}, &os.ProcAttr{Env: os.Environ(), Files: []*os.File{devnull, devnull, devnull}, Sys: &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}})
		if err != nil {
			t.Fatal(err)
		}
		osStart = append(osStart, time.Since(t0))
		p.Kill()
		p.Wait()
	}
	t.Logf("cmd.Start %v os.StartProcess %v | ReadFile fresh %v raw fresh %v, second read %v", pmed(cmdStart), pmed(osStart), pmed(fresh), pmed(freshRaw), pmed(again))
}
