//go:build linux

package process

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// Strays returns the processes that descend from this process, that the
// Manager did not start, and whose environment holds entry (such as
// "SUPERD_MARKER=ID:web"), opened as pidfds: the processes of a service
// that left its process group (setsid, setpgid) and outlived their parent.
//
// Only a subreaper-mode Manager finds any: orphans are reparented to the
// process only then. It looks at the orphans the process adopted (the
// children of its main thread, /proc/self/task/PID/children: no scan of
// /proc), that it did not start, then at the descendants of those carrying entry, so a
// process that left its group under a parent that is still alive is found
// too, as long as that parent carries entry. A process that cleared its
// environment is not found. Each process is opened before its environment
// is read, so a Stray is never a process that took over the pid of one that
// carried entry.
func (m *Manager) Strays(entry string) []*Stray {
	if !m.subreaper || entry == "" {
		return nil
	}
	return m.findStrays(entry)
}

// findStrays is Strays, whatever the mode.
func (m *Manager) findStrays(entry string) []*Stray {
	// The kernel hands an orphan to the first live thread of its
	// subreaper, the main thread (which never exits in a Go program);
	// the children the Manager forks belong to its spawner thread.
	self := strconv.Itoa(os.Getpid())
	kids := readChildren("/proc/" + self + "/task/" + self + "/children")
	m.mu.Lock()
	orphans := kids[:0]
	for _, pid := range kids {
		if _, ours := m.procs[pid]; !ours {
			orphans = append(orphans, pid)
		}
	}
	m.mu.Unlock()
	var (
		out  []*Stray
		seen = make(map[int]bool)
	)
	for todo := orphans; len(todo) > 0; {
		pid := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if seen[pid] {
			continue
		}
		seen[pid] = true
		s, ok := openMarked(pid, []byte(entry))
		if !ok {
			continue
		}
		out = append(out, s)
		todo = append(todo, childPIDs("/proc/"+strconv.Itoa(pid)+"/task")...)
	}
	return out
}

// childPIDs lists the children of every thread under taskDir
// (/proc/PID/task); a missing directory or file lists none.
func childPIDs(taskDir string) []int {
	tasks, err := os.ReadDir(taskDir)
	if err != nil {
		return nil
	}
	var pids []int
	for _, t := range tasks {
		pids = append(pids, readChildren(taskDir+"/"+t.Name()+"/children")...)
	}
	return pids
}

// readChildren parses a /proc/PID/task/TID/children file; a missing file
// lists none. It reads with plain system calls: when there is nothing to
// find, as after most stops, this is all Strays costs.
func readChildren(path string) []int {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil
	}
	defer unix.Close(fd)
	var (
		buf  [512]byte
		data []byte
	)
	for {
		n, err := unix.Read(fd, buf[:])
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil || n <= 0 {
			break
		}
		data = append(data, buf[:n]...)
	}
	var pids []int
	for f := range bytes.FieldsSeq(data) {
		if pid, err := strconv.Atoi(string(f)); err == nil && pid > 0 {
			pids = append(pids, pid)
		}
	}
	return pids
}

// openMarked opens process pid if its environment holds entry.
func openMarked(pid int, entry []byte) (*Stray, bool) {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return nil, false
	}
	// Read after the pidfd was opened: if the environment holds entry, the
	// pidfd refers to that process (or to one that exited since).
	env, err := Environ(pid, func() bool { return !pidfdExited(fd) })
	if err == nil {
		for kv := range bytes.SplitSeq(env, []byte{0}) {
			if bytes.Equal(kv, entry) {
				return &Stray{PID: pid, fd: fd, held: true}, true
			}
		}
	}
	_ = unix.Close(fd)
	return nil, false
}

// pidfdExited reports whether the process of pidfd fd has exited.
func pidfdExited(fd int) bool {
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for {
		n, err := unix.Poll(fds, 0)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		return err == nil && n > 0 && fds[0].Revents&(unix.POLLIN|unix.POLLHUP|unix.POLLERR) != 0
	}
}

func (s *Stray) signal(sig syscall.Signal) error {
	if !s.held {
		return fmt.Errorf("process: signal process %d: %w", s.PID, ErrNoProcess)
	}
	err := unix.PidfdSendSignal(s.fd, sig, nil, 0)
	if errors.Is(err, unix.ESRCH) {
		return fmt.Errorf("process: signal process %d: %w", s.PID, ErrNoProcess)
	}
	if err != nil {
		return fmt.Errorf("process: signal %s to process %d: %w", signalName(sig), s.PID, err)
	}
	return nil
}

func (s *Stray) exited() bool {
	return !s.held || pidfdExited(s.fd)
}

func (s *Stray) close() {
	if s.held {
		_ = unix.Close(s.fd)
		s.held = false
	}
}
