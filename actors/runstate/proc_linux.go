//go:build linux

package runstate

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/supers-dev/supers/actors/process"
)

// bootIDPath holds a random UUID the kernel generates at each boot.
const bootIDPath = "/proc/sys/kernel/random/boot_id"

// bootID returns the id of the current boot.
func bootID() (string, error) {
	b, err := os.ReadFile(bootIDPath)
	if err != nil {
		return "", fmt.Errorf("runstate: read boot id: %w", err)
	}
	id := string(bytes.TrimSpace(b))
	if id == "" {
		return "", fmt.Errorf("runstate: read boot id: %s is empty", bootIDPath)
	}
	return id, nil
}

// inspect reads what identifies process pid from /proc/PID/stat. The error
// wraps [fs.ErrNotExist] if there is no such process.
//
// The fields come from a single read, so they describe one process even if
// its pid is being reused; process.ProcStartTime gives the start time
// alone, from a separate read.
func inspect(pid int) (procInfo, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if errors.Is(err, syscall.ESRCH) { // the process exited while being read
		err = fmt.Errorf("%w: %w", fs.ErrNotExist, err)
	}
	if err != nil {
		return procInfo{}, fmt.Errorf("runstate: inspect process %d: %w", pid, err)
	}
	return parseStat(b)
}

// parseStat extracts the state (field 3), parent (field 4), process group
// (field 5), session (field 6) and start time (field 22) from a
// /proc/PID/stat line. Field 2, the command name, is
// in parentheses and may contain spaces and parentheses, so fields are
// counted from the last ')'.
func parseStat(stat []byte) (procInfo, error) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return procInfo{}, fmt.Errorf("runstate: malformed stat line %q", stat)
	}
	f := bytes.Fields(stat[i+1:]) // f[0] is field 3
	const (
		stateIdx = 3 - 3
		ppidIdx  = 4 - 3
		pgidIdx  = 5 - 3
		sidIdx   = 6 - 3
		startIdx = 22 - 3
	)
	if len(f) <= startIdx || len(f[stateIdx]) != 1 {
		return procInfo{}, fmt.Errorf("runstate: malformed stat line %q", stat)
	}
	ppid, err := strconv.Atoi(string(f[ppidIdx]))
	if err != nil {
		return procInfo{}, fmt.Errorf("runstate: bad parent in stat line: %w", err)
	}
	pgid, err := strconv.Atoi(string(f[pgidIdx]))
	if err != nil {
		return procInfo{}, fmt.Errorf("runstate: bad process group in stat line: %w", err)
	}
	sid, err := strconv.Atoi(string(f[sidIdx]))
	if err != nil {
		return procInfo{}, fmt.Errorf("runstate: bad session in stat line: %w", err)
	}
	start, err := strconv.ParseUint(string(f[startIdx]), 10, 64)
	if err != nil {
		return procInfo{}, fmt.Errorf("runstate: bad start time in stat line: %w", err)
	}
	return procInfo{state: f[stateIdx][0], ppid: ppid, pgid: pgid, sid: sid, startTime: start}, nil
}

// runningSince reports whether process pid runs, not a zombie, with the
// start time start (see process.ProcStartTime).
func runningSince(pid int, start uint64) bool {
	info, err := inspect(pid)
	return err == nil && !info.exited() && info.startTime == start
}

// signalProcess sends sig to the single process pid. The error wraps
// [fs.ErrNotExist] if there is no such process.
func signalProcess(pid int, sig syscall.Signal) error {
	err := syscall.Kill(pid, sig)
	if errors.Is(err, syscall.ESRCH) {
		err = fmt.Errorf("%w: %w", fs.ErrNotExist, err)
	}
	if err != nil {
		return fmt.Errorf("runstate: signal process %d: %w", pid, err)
	}
	return nil
}

// findLeftovers returns the live processes, except this process and its
// ancestors (a superd may have been started by a process of its
// predecessor), whose environment holds the MarkerEnv entry of one of the
// marker ids ids, or whose stdout or stderr is one of the pipes whose inode
// numbers pipes maps to their records, if that proves it the service's
// (see recordedPipes and readPiped).
// Processes whose environment or descriptors cannot be read (those of
// other users, unless running as root) are skipped; so are those whose
// environment or descriptors do not come within 2 s (process.EnvironProbe,
// pipeProbe), which it returns apart (unanswered) for the caller to say
// so: every process of the machine is looked at, and one stuck in the
// kernel with its memory-map lock held (on a hung network mount, say)
// would otherwise hold superd's start-up for as long as it is stuck. The
// first looks are made scanWorkers at a time, so that many such processes
// hold it 2 s for every scanWorkers of them, and once maxUnanswered did
// not answer, the others are not read. Each process's descriptors are read
// once in that first look, and only with pipes to match.
func findLeftovers(ids []string, pipes map[uint64]*pipeOwner) (found []marked, unanswered []int, err error) {
	return findLeftoversWith(ids, pipes, procProbe{process.NewEnvironProbe(), newPipeProbe()}, maxUnanswered)
}

// environReader reads a process's environment as process.EnvironProbe
// does.
type environReader interface {
	Environ(pid int, waiting func() bool) ([]byte, error)
}

// pipeReader reads the pipes of a process's stdout and stderr as pipeProbe
// does.
type pipeReader interface {
	OutputPipes(pid int) ([]uint64, error)
}

// procReader reads a process's environment and output pipes.
type procReader interface {
	environReader
	pipeReader
}

// procProbe is the procReader of findLeftovers.
type procProbe struct {
	*process.EnvironProbe
	*pipeProbe
}

// findLeftoversWith is findLeftovers, reading the processes with procs,
// and no more once maxHung reads did not answer.
func findLeftoversWith(ids []string, pipes map[uint64]*pipeOwner, procs procReader, maxHung int64) (found []marked, unanswered []int, err error) {
	pids, err := otherPIDs()
	if err != nil {
		return nil, nil, err
	}
	// A first look at the environment and the output alone sorts out
	// most processes.
	type look struct{ marked, piped, hung bool }
	looks := make([]look, len(pids))
	var (
		next, hung atomic.Int64
		wg         sync.WaitGroup
	)
	for range min(scanWorkers, len(pids)) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(pids); i = int(next.Add(1) - 1) {
				if hung.Load() >= maxHung {
					looks[i].hung = true // not read: counted as unanswered
					continue
				}
				l := &looks[i]
				if len(ids) > 0 {
					_, l.marked, l.hung = markedEnviron(procs, pids[i], ids)
				}
				if !l.marked && !l.hung && len(pipes) > 0 {
					_, l.piped, l.hung = pipedOutput(procs, pids[i], pipes)
				}
				if l.hung {
					hung.Add(1)
				}
			}
		})
	}
	wg.Wait()
	for i, pid := range pids {
		var (
			m          marked
			ok, hungAt bool
		)
		switch {
		case looks[i].hung:
			unanswered = append(unanswered, pid)
			continue
		case looks[i].marked:
			m, ok, hungAt = readMarked(procs, pid, ids)
		case looks[i].piped:
			m, ok, hungAt = readPiped(procs, pid, pipes)
		default:
			continue
		}
		switch {
		case ok:
			found = append(found, m)
		case hungAt: // stuck since its first look
			unanswered = append(unanswered, pid)
		}
	}
	return found, unanswered, nil
}

// scanWorkers is how many processes findLeftovers's first looks read at
// once.
const scanWorkers = 8

// maxUnanswered bounds the reads of findLeftovers that may hang: each holds a
// goroutine, and an OS thread blocked in read(2), until its process
// answers. Once that many did not answer (a whole machine stuck on a hung
// mount), the processes not read yet are not read, and are returned as
// unanswered too: the start-up then waits at most 2 s for each
// scanWorkers of those.
const maxUnanswered = 64

// readMarked returns process pid if it is alive and its environment holds
// the MarkerEnv entry of one of the marker ids ids. The process is inspected before and
// after its environment is read, so that the marker is not attributed to a
// process that took over the pid meanwhile. hung says that the read of its
// environment did not answer (see markedEnviron).
func readMarked(envs environReader, pid int, ids []string) (m marked, ok, hung bool) {
	before, err := inspect(pid)
	if err != nil || before.exited() {
		return marked{}, false, false
	}
	service, ok, hung := markedEnviron(envs, pid, ids)
	if !ok {
		return marked{}, false, hung
	}
	after, err := inspect(pid)
	if err != nil || after.exited() || after.startTime != before.startTime {
		return marked{}, false, false
	}
	return marked{ref: procRef{pid: pid, startTime: after.startTime}, pgid: after.pgid, sid: after.sid, service: service}, true, false
}

// ownGroup reports whether the whole process group of m, a process found
// by its marker or by a recorded pipe (see findLeftovers) that no record
// covers, may be killed with it: the group is the group of a session (its
// id is the session's, as for every service's leader, which superd starts
// in a new session, and for a daemon's setsid), and the session leader is
// gone (killed with superd by its parent-death signal) or is found for the
// same service (leaderMarked). Only descendants of a session's leader can
// be in its session, so every member of that group descends from a
// process of the service, even one that cleared its environment. A group
// of this process's session, or led by one of its ancestors, is never
// killed.
func ownGroup(m marked, leaderMarked bool) bool {
	if m.pgid <= 1 || m.pgid != m.sid || m.pgid == syscall.Getpgrp() || ancestry()[m.pgid] {
		return false
	}
	if sid, err := unix.Getsid(0); err != nil || sid == m.sid {
		return false
	}
	if leaderMarked {
		return true
	}
	// The pid of a session's leader is not reused while the session has
	// members: a process under that pid is the leader.
	info, err := inspect(m.pgid)
	return errors.Is(err, fs.ErrNotExist) || err == nil && info.exited()
}

// pipedOutput returns the pipes process pid holds as its stdout and
// stderr, as read by procs, and whether one of them is recorded (one of
// the keys of pipes, see recordedPipes); hung says that the read did not
// answer in time (process.ErrNoAnswer).
func pipedOutput(procs pipeReader, pid int, pipes map[uint64]*pipeOwner) (held []uint64, ok, hung bool) {
	held, err := procs.OutputPipes(pid)
	if err != nil {
		return nil, false, errors.Is(err, process.ErrNoAnswer)
	}
	for _, ino := range held {
		if pipes[ino] != nil {
			return held, true, false
		}
	}
	return nil, false, false
}

// readPiped returns process pid if it is alive and holds as its stdout or
// stderr one of the pipes of pipes, with the service of their record, if
// that proves it the service's (pipeOwner.proves): in the recorded group,
// the pipe does; out of it (having left it with setsid), it must hold
// both pipes of the record and have started at or after its leader. Such
// a process is the service's whatever it did to its environment (cleared
// it, or wrote its process title over it, as nginx or PostgreSQL do): the
// pipes were given to the service's leader, only its descendants inherit
// them, and their inode numbers are practically unique while they are
// held (the caller takes the numbers of records of this boot only). Not
// strictly: the kernel's 32-bit counter for such numbers wraps around
// without checking whether a number is in use (see process.Handle.Pipes),
// which is why one number proves no process out of the recorded group. The
// process is inspected before and after its descriptors are read, so that
// a process that took over the pid meanwhile is not taken for it. hung
// says that the read of its descriptors did not answer.
func readPiped(procs pipeReader, pid int, pipes map[uint64]*pipeOwner) (m marked, ok, hung bool) {
	before, err := inspect(pid)
	if err != nil || before.exited() {
		return marked{}, false, false
	}
	held, ok, hung := pipedOutput(procs, pid, pipes)
	if !ok {
		return marked{}, false, hung
	}
	after, err := inspect(pid)
	if err != nil || after.exited() || after.startTime != before.startTime {
		return marked{}, false, false
	}
	for _, ino := range held {
		if o := pipes[ino]; o != nil && o.proves(after, held) {
			return marked{ref: procRef{pid: pid, startTime: after.startTime}, pgid: after.pgid, sid: after.sid, service: o.service}, true, false
		}
	}
	return marked{}, false, false
}

// pipeWait bounds a read of a process's descriptors by pipeProbe, as
// process.EnvironProbe bounds a read of its environment.
const pipeWait = 2 * time.Second

// pipeProbe reads which pipes processes hold as their stdout and stderr
// (the links /proc/PID/fd/1 and 2), each read within a bound: every
// process of the machine is read, and a /proc that does not answer for
// one of them must not hold superd's start. Such a read is given up after
// pipeWait; its goroutine stays until it returns. The zero value is not
// usable: see newPipeProbe.
type pipeProbe struct {
	wait time.Duration
	read func(pid int) []uint64
}

// newPipeProbe returns a pipeProbe reading /proc.
func newPipeProbe() *pipeProbe { return &pipeProbe{wait: pipeWait, read: outputPipes} }

// OutputPipes returns the inode numbers of the pipes that are the stdout and
// stderr of process pid (none for a descriptor that is not a pipe, or that
// cannot be read); if the read takes longer than the probe's bound, the
// error matches process.ErrNoAnswer.
func (p *pipeProbe) OutputPipes(pid int) ([]uint64, error) {
	done := make(chan []uint64, 1)
	go func() { done <- p.read(pid) }()
	t := time.NewTimer(p.wait)
	defer t.Stop()
	select {
	case held := <-done:
		return held, nil
	case <-t.C:
		return nil, fmt.Errorf("runstate: descriptors of process %d: %w within %v", pid, process.ErrNoAnswer, p.wait)
	}
}

// outputPipes returns the inode numbers of the pipes that are the stdout
// and stderr of process pid, read from /proc/PID/fd.
func outputPipes(pid int) []uint64 {
	dir := "/proc/" + strconv.Itoa(pid) + "/fd/"
	var held []uint64
	for _, fd := range [...]string{"1", "2"} {
		target, err := os.Readlink(dir + fd)
		if err != nil {
			continue
		}
		num, ok := strings.CutPrefix(target, "pipe:[")
		if !ok {
			continue
		}
		if ino, err := strconv.ParseUint(strings.TrimSuffix(num, "]"), 10, 64); err == nil {
			held = append(held, ino)
		}
	}
	return held
}

// markedEnviron returns the service named by the MarkerEnv entry of one of
// the marker ids ids in the environment of process pid, read by envs, and whether there is
// one; hung says that the read did not answer in time
// (process.ErrNoAnswer).
func markedEnviron(envs environReader, pid int, ids []string) (service string, ok, hung bool) {
	// Read again while it is in the middle of an exec (see
	// process.EnvironProbe.Environ); not a kernel thread (pid 2, kthreadd,
	// and its children) or a zombie, which never have an environment.
	env, err := envs.Environ(pid, func() bool {
		info, err := inspect(pid)
		return err == nil && !info.exited() && pid != 2 && info.ppid != 2
	})
	if err != nil {
		return "", false, errors.Is(err, process.ErrNoAnswer)
	}
	service, ok = markedServiceOf(env, ids)
	return service, ok, false
}

// otherPIDs returns the pids of the processes in /proc, except this
// process and its ancestors (which a superd must never kill).
func otherPIDs() ([]int, error) {
	dir, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("runstate: list processes: %w", err)
	}
	spare := ancestry()
	pids := make([]int, 0, len(dir))
	for _, e := range dir {
		if pid, err := strconv.Atoi(e.Name()); err == nil && !spare[pid] {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// ancestorGroups returns the pids of this process and its ancestors, and
// the process groups they are in.
func ancestorGroups() (pids, groups map[int]bool) {
	pids = ancestry()
	groups = map[int]bool{syscall.Getpgrp(): true}
	for pid := range pids {
		if info, err := inspect(pid); err == nil {
			groups[info.pgid] = true
		}
	}
	return pids, groups
}

// ancestry returns the pids of this process and its ancestors.
func ancestry() map[int]bool {
	pids := make(map[int]bool)
	for pid := os.Getpid(); pid > 0 && !pids[pid]; {
		pids[pid] = true
		info, err := inspect(pid)
		if err != nil {
			break
		}
		pid = info.ppid
	}
	return pids
}
