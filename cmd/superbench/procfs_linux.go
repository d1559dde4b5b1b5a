//go:build linux

package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// procStat is what superbench needs from /proc/PID/stat.
type procStat struct {
	pid, ppid int
	comm      string
	state     byte
	start     uint64 // start time in clock ticks after boot: with pid, an identity
	threads   int
}

// errGone says a process (or thread) no longer exists.
var errGone = errors.New("process gone")

// readStat parses /proc/PID/stat. It returns errGone when there is no such
// process.
func readStat(pid int) (procStat, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ESRCH) {
			return procStat{}, errGone
		}
		return procStat{}, err
	}
	return parseStat(pid, b)
}

// isProcess reports whether id is a process rather than a thread of one:
// /proc shows a thread by its ID too (though it does not list it), with
// the same command name and parent as its process.
func isProcess(id int) (bool, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(id) + "/status")
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ESRCH) {
			return false, errGone
		}
		return false, err
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "Tgid:"); ok {
			tgid, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				return false, fmt.Errorf("/proc/%d/status: %w", id, err)
			}
			return tgid == id, nil
		}
	}
	return false, fmt.Errorf("/proc/%d/status: no Tgid", id)
}

// parseStat parses the text of /proc/PID/stat. The command name is between
// the first '(' and the last ')' and may hold spaces and parentheses.
func parseStat(pid int, b []byte) (procStat, error) {
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return procStat{}, fmt.Errorf("/proc/%d/stat: malformed", pid)
	}
	f := strings.Fields(string(b[end+1:]))
	// f[0] is field 3 (state); field k is f[k-3].
	if len(f) < 20 || len(f[0]) != 1 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: malformed", pid)
	}
	ppid, err1 := strconv.Atoi(f[1])
	threads, err2 := strconv.Atoi(f[17])
	start, err3 := strconv.ParseUint(f[19], 10, 64)
	if err := errors.Join(err1, err2, err3); err != nil {
		return procStat{}, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	return procStat{pid: pid, ppid: ppid, comm: string(b[open+1 : end]), state: f[0][0], start: start, threads: threads}, nil
}

// listPIDs returns the PIDs of every process (thread groups only).
func listPIDs() ([]int, error) {
	d, err := os.Open("/proc")
	if err != nil {
		return nil, err
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return nil, err
	}
	pids := make([]int, 0, len(names))
	for _, n := range names {
		if pid, err := strconv.Atoi(n); err == nil && pid > 0 {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// snapshot is every process of the machine at one moment, by PID.
type snapshot map[int]procStat

// takeSnapshot reads the stat of every process.
func takeSnapshot() (snapshot, error) {
	pids, err := listPIDs()
	if err != nil {
		return nil, err
	}
	s := make(snapshot, len(pids))
	for _, pid := range pids {
		st, err := readStat(pid)
		if errors.Is(err, errGone) {
			continue
		}
		if err != nil {
			return nil, err
		}
		s[pid] = st
	}
	return s, nil
}

// descendants returns roots (those that exist) and all their descendants.
func (s snapshot) descendants(roots ...int) []procStat {
	children := make(map[int][]int, len(s))
	for pid, st := range s {
		children[st.ppid] = append(children[st.ppid], pid)
	}
	var out []procStat
	seen := make(map[int]bool)
	queue := append([]int(nil), roots...)
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		st, ok := s[pid]
		if !ok || seen[pid] {
			continue
		}
		seen[pid] = true
		out = append(out, st)
		queue = append(queue, children[pid]...)
	}
	return out
}

// alive reports whether the process st still exists as the same process
// (same start time) and is not a zombie.
func alive(st procStat) bool {
	now, err := readStat(st.pid)
	return err == nil && now.start == st.start && now.state != 'Z'
}

// memory is the resident and proportional set size of one process, in
// bytes, from /proc/PID/smaps_rollup.
func memory(pid int) (rss, pss uint64, err error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/smaps_rollup")
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok || (key != "Rss" && key != "Pss") {
			continue
		}
		kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("smaps_rollup of %d: %s: %w", pid, key, err)
		}
		if key == "Rss" {
			rss = kb << 10
		} else {
			pss = kb << 10
		}
	}
	return rss, pss, sc.Err()
}

// cpuTime is the CPU time a process has used so far (all its threads,
// those that have ended too, not its children), with nanosecond precision:
// the process's CPU-time clock (clock_getcpuclockid(3)), which the kernel
// keeps as the sum of its threads' runtime, the same count as the first
// field of schedstat. It only grows, so the difference of two readings is
// the time used in between. Summing /proc/PID/task/TID/schedstat instead
// would lose the time of a thread that ends between two readings, and
// /proc/PID/stat's utime and stime count in 10 ms ticks.
func cpuTime(pid int) (time.Duration, error) {
	var ts unix.Timespec
	if err := unix.ClockGettime(processCPUClock(pid), &ts); err != nil {
		return 0, fmt.Errorf("CPU clock of %d: %w", pid, err)
	}
	return time.Duration(ts.Nano()), nil
}

// processCPUClock is the clock ID of the CPU-time clock of process pid, as
// glibc's clock_getcpuclockid makes it: the PID's complement shifted by 3,
// and CPUCLOCK_SCHED (2) for the scheduler's nanosecond count (no
// per-thread bit: the whole process).
func processCPUClock(pid int) int32 {
	return int32(^pid<<3 | 2)
}

// readInt reads a file holding one decimal integer.
func readInt(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(b)))
}
