//go:build linux

package process

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// Strays returns the processes that descend from this process, that the
// Manager did not start, and that belong to a service (orphans still in
// the service's process group too: [Stray.PGID]): whose environment
// holds entry (such as "SUPERD_MARKER=ID:web"), or which hold open one of
// the pipes whose inode numbers pipes lists (the service's stdout and
// stderr, [Handle.Pipes]; zeros are ignored), opened as pidfds: the
// processes of a service that left its process group (setsid, setpgid)
// and outlived their parent.
//
// Only a subreaper-mode Manager finds any: orphans are reparented to the
// process only then. It looks at the orphans the process adopted (the
// children of its main thread, /proc/self/task/PID/children: no scan of
// /proc), that it did not start, then at the descendants of those that
// belong to the service, so a process that left its group under a parent
// that is still alive is found too, as long as that parent belongs to the
// service. A process whose environment holds entry's variable with another
// value (another service's) is not the service's, whatever descriptors it
// holds, and they are not read. Looking no further than the process's
// descendants, and the pipes' numbers being practically unique (see
// [Handle.Pipes]), a holder of a pipe inherited it from the service, or at
// worst is an unmarked process of another service: never a process outside
// those the process started and their descendants. A process that cleared
// its environment is found by the pipe as long as it keeps it open; one
// that also closed it (a daemon pointing its standard descriptors at
// /dev/null) is not found. Each process is opened before its environment
// and descriptors are read, so a Stray is never a process that took over
// the pid of one that belonged to the service.
func (m *Manager) Strays(entry string, pipes ...uint64) []*Stray {
	if !m.subreaper {
		return nil
	}
	return m.findStrays(entry, pipes...)
}

// findStrays is Strays, whatever the mode.
func (m *Manager) findStrays(entry string, pipes ...uint64) []*Stray {
	pipes = slices.DeleteFunc(slices.Clone(pipes), func(ino uint64) bool { return ino == 0 })
	if entry == "" && len(pipes) == 0 {
		return nil
	}
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
		s, ok := openStray(pid, []byte(entry), pipes, m.readEnviron)
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

// readEnviron reads the environment of process pid (/proc/PID/environ) in
// a probe of its own (see probes): the read takes the process's memory-map
// lock, which a process stuck in the kernel with it held (an mmap on a
// hung network mount) keeps, and would keep the service actor that asked.
// After probeWait the read reports an error matching ErrNoAnswer, and
// then at once while that read is still under way.
func (m *Manager) readEnviron(pid int) ([]byte, error) {
	return m.probes.readEnviron(pid)
}

// openStray opens process pid if its environment (read by read) holds
// entry (unless entry is empty) or it holds one of pipes.
func openStray(pid int, entry []byte, pipes []uint64, read envReader) (*Stray, bool) {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return nil, false
	}
	if belongs(pid, fd, entry, pipes, read) {
		s := &Stray{PID: pid, fd: fd, held: true}
		// Read after the pidfd was opened, and kept only if the process
		// is still alive after: the group is that process's.
		if pgid, err := unix.Getpgid(pid); err == nil && !pidfdExited(fd) {
			s.PGID = pgid
		}
		return s, true
	}
	_ = unix.Close(fd)
	return nil, false
}

// belongs reports whether process pid, whose pidfd is fd, carries entry
// or holds one of pipes. Everything is read after the pidfd was opened.
//
// Most candidates are told apart by one read of the environment: those
// that carry entry, and those that carry the same variable with another
// value (another service's processes, such as its daemons, which superd
// adopts too), whose descriptors are not looked at, however many they
// have. Only a process that carries neither (it cleared its environment,
// or wrote over it) is looked for by the pipes. The environment is read
// once here, not through environ (see EnvironProbe.Environ), which keeps
// reading an empty one for up to 100 ms: a process that cleared its own
// shows nothing too, and the pipes find it without that wait. environ is
// the last resort, for an empty environment without the pipes: it may be
// that of a process in the middle of an execve, which shows none for a
// moment. An environment that did not answer (ErrNoAnswer) is not read
// again: such a process is found by the pipes, or not at all.
func belongs(pid, fd int, entry []byte, pipes []uint64, read envReader) bool {
	env, err := read(pid)
	if err == nil && len(env) > 0 {
		switch markedBy(env, entry) {
		case markEntry:
			// The pidfd refers to that process (or to one that exited
			// since).
			return true
		case markOther:
			return false
		}
	}
	// A process that exited since (a zombie has no descriptors) could have
	// left its pid to another: a pipe is taken for the process of the
	// pidfd only if that is still alive once they have been read.
	if len(pipes) > 0 && HoldsPipe(pid, pipes) && !pidfdExited(fd) {
		return true
	}
	return !errors.Is(err, ErrNoAnswer) && len(env) == 0 && len(entry) > 0 && hasEntry(pid, fd, entry, read)
}

// What markedBy finds in an environment.
const (
	markNone  = iota // no entry of the variable
	markEntry        // the entry itself
	markOther        // the variable with another value
)

// markedBy tells whether env (NUL separated) holds entry ("NAME=VALUE"),
// or only NAME with other values.
func markedBy(env, entry []byte) int {
	if len(entry) == 0 {
		return markNone
	}
	var name []byte // "NAME="
	if i := bytes.IndexByte(entry, '='); i >= 0 {
		name = entry[:i+1]
	}
	mark := markNone
	for kv := range bytes.SplitSeq(env, []byte{0}) {
		switch {
		case bytes.Equal(kv, entry):
			return markEntry
		case name != nil && bytes.HasPrefix(kv, name):
			mark = markOther
		}
	}
	return mark
}

// openMarked opens process pid if its environment holds entry.
func openMarked(pid int, entry []byte) (*Stray, bool) {
	return openStray(pid, entry, nil, readEnvironFile)
}

// hasEntry reports whether the environment of process pid, whose pidfd is
// fd, holds entry, reading it (with read) again while it shows none (see
// EnvironProbe.Environ).
func hasEntry(pid, fd int, entry []byte, read envReader) bool {
	env, err := environ(pid, func() bool { return !pidfdExited(fd) }, read)
	return err == nil && markedBy(env, entry) == markEntry
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
