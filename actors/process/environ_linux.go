//go:build linux

package process

import (
	"bytes"
	"os"
	"strconv"
	"time"
)

// environWait bounds how long EnvironProbe.Environ waits for a live process's
// environment to show; environBusyWait, how long it waits while that
// process is running or in the kernel (an execve under way).
const (
	environWait     = 100 * time.Millisecond
	environBusyWait = time.Second
)

// EnvironProbe reads the environments of processes, each read within a
// bound: reading one takes the process's memory-map lock,
// which a process stuck in the kernel (an mmap on a hung network mount)
// holds for as long as it is stuck. Such a read is given up after 2 s,
// and the later reads of that process fail at once while it still hangs
// (its goroutine stays until it returns). The zero value is not usable:
// see NewEnvironProbe.
type EnvironProbe struct {
	p probes
}

// NewEnvironProbe returns an EnvironProbe.
func NewEnvironProbe() *EnvironProbe {
	return &EnvironProbe{p: probes{wait: probeWait, hung: make(map[string]chan struct{})}}
}

// Environ returns the environment of process pid (/proc/PID/environ, NUL
// separated). A process in the middle of an execve shows none for a moment:
// its old memory is gone and the new one not in place (a wrapper shell
// exec'ing its program, as a daemon's script does right after it forked
// away). Read then, a process recognised by a variable would go unnoticed;
// so while it shows none and waiting reports true (the process is alive,
// and may have an environment at all), it is read again, for at most
// 100 ms from the first read that showed none (that read itself waits
// for the execve to replace the memory, which on a busy machine can take
// longer than that), and for up to a second while the process is running
// or in the kernel (state R or D, as during an execve: on a busy machine it
// may wait that long for a CPU to finish it), not while it sleeps.
//
// Each read is made within the probe's bound; a read given up fails with an
// error matching ErrNoAnswer.
func (e *EnvironProbe) Environ(pid int, waiting func() bool) ([]byte, error) {
	return environ(pid, waiting, e.p.readEnviron)
}

// readEnviron reads /proc/PID/environ as a look of its own (see probes.read).
func (p *probes) readEnviron(pid int) ([]byte, error) {
	return p.read("environ "+strconv.Itoa(pid), func() ([]byte, error) { return readEnvironFile(pid) })
}

// envReader reads the environment of process pid.
type envReader func(pid int) ([]byte, error)

// readEnvironFile reads /proc/PID/environ.
func readEnvironFile(pid int) ([]byte, error) {
	return os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
}

// environ is EnvironProbe.Environ, reading with read; an error of read ends
// it.
func environ(pid int, waiting func() bool, read envReader) ([]byte, error) {
	var idle, busy time.Time // deadlines, from the first read showing none
	for {
		env, err := read(pid)
		if err != nil || len(env) > 0 {
			return env, err
		}
		now := time.Now()
		if idle.IsZero() {
			idle, busy = now.Add(environWait), now.Add(environBusyWait)
		}
		if now.After(busy) || now.After(idle) && !running(pid) || !waiting() {
			return env, nil
		}
		time.Sleep(time.Millisecond)
	}
}

// running reports whether process pid is running or runnable, or in an
// uninterruptible wait in the kernel (state R or D in /proc/PID/stat), as a
// process is during an execve.
func running(pid int) bool {
	var buf [4096]byte
	stat, err := readProcStat(strconv.Itoa(pid), buf[:])
	if err != nil {
		return false
	}
	f, ok := statFields(stat)
	return ok && (bytes.Equal(f[0], []byte("R")) || bytes.Equal(f[0], []byte("D")))
}
