//go:build linux

package main

import (
	"errors"
	"slices"
	"time"
)

// spawnWatch follows the processes created after it was made and reports
// those of a tree that have exec'd a given program. It does not scan /proc:
// the kernel's last allocated PID (/proc/sys/kernel/ns_last_pid) says which
// PIDs are new, and only those are read, plus the few processes that were
// forked but had not exec'd yet when last read. A poll therefore costs a few
// small reads, even with thousands of processes on the machine, and can run
// every millisecond without taking much CPU from the supervisor it times.
//
// A process is in the tree if its parent is (the roots are in it from the
// start). A process counts as running the target once its command name
// (comm, set by execve) is the target's. A member whose name is still its
// parent's (forked, not exec'd yet) or a wrapper's (a shell running a run
// script that will exec the target) is read again at each poll.
type spawnWatch struct {
	target   string
	wrappers []string
	src      pidSource
	members  map[int]procStat
	pending  map[int]bool
	found    map[int]procStat
	// unseen are new PIDs /proc did not show yet, in the order they were
	// allocated: the kernel allocates a PID a little before the new task
	// appears in /proc. They are tried again for unseenTTL.
	unseen []unseenPID
}

// unseenPID is a new PID /proc did not show, and when it was first tried.
type unseenPID struct {
	pid   int
	first time.Time
}

// unseenTTL is how long a new PID that /proc does not show is tried again:
// far longer than a fork takes to complete; a PID still missing is a thread
// or a process that has ended.
const unseenTTL = 100 * time.Millisecond

// newSpawnWatch returns a watch of the processes created from now on that
// descend from roots and exec target.
func newSpawnWatch(target string, wrappers []string, roots ...int) (*spawnWatch, error) {
	src, err := newPIDSource()
	if err != nil {
		return nil, err
	}
	w := &spawnWatch{
		target:   target,
		wrappers: wrappers,
		src:      src,
		members:  make(map[int]procStat),
		pending:  make(map[int]bool),
		found:    make(map[int]procStat),
	}
	for _, pid := range roots {
		st, err := readStat(pid)
		if err != nil {
			return nil, err
		}
		w.members[pid] = st
	}
	return w, nil
}

// poll reads the processes created since the last poll and those still on
// their way to exec.
func (w *spawnWatch) poll() error {
	for pid := range w.pending {
		st, err := readStat(pid)
		if errors.Is(err, errGone) {
			delete(w.pending, pid)
			delete(w.members, pid)
			continue
		}
		if err != nil {
			return err
		}
		w.classify(st)
	}
	pids, err := w.src.next()
	if err != nil {
		return err
	}
	// The PIDs not shown last time come first: they are older.
	now := time.Now()
	todo := make([]unseenPID, 0, len(w.unseen)+len(pids))
	for _, u := range w.unseen {
		if now.Sub(u.first) <= unseenTTL {
			todo = append(todo, u)
		}
	}
	for _, pid := range pids {
		todo = append(todo, unseenPID{pid: pid, first: now})
	}
	w.unseen = w.unseen[:0]
	for _, u := range todo {
		st, err := readStat(u.pid)
		if errors.Is(err, errGone) {
			w.unseen = append(w.unseen, u)
			continue
		}
		if err != nil {
			return err
		}
		if _, ok := w.members[st.ppid]; !ok {
			continue
		}
		// A thread's stat names its process's parent: a thread of a
		// service is not another service.
		if proc, err := isProcess(u.pid); err != nil || !proc {
			if err != nil && !errors.Is(err, errGone) {
				return err
			}
			continue
		}
		w.classify(st)
	}
	return nil
}

// classify records st, a member of the tree.
func (w *spawnWatch) classify(st procStat) {
	w.members[st.pid] = st
	switch {
	case st.comm == w.target:
		w.found[st.pid] = st
		delete(w.pending, st.pid)
	case slices.Contains(w.wrappers, st.comm) || st.comm == w.parentComm(st):
		w.pending[st.pid] = true
	default:
		delete(w.pending, st.pid)
	}
}

// parentComm returns the command name of st's parent. A parent may have
// renamed itself since it was read (PM2's daemon sets its title once
// running), so a name that differs from the child's is read again.
func (w *spawnWatch) parentComm(st procStat) string {
	p := w.members[st.ppid]
	if p.comm != st.comm {
		if now, err := readStat(st.ppid); err == nil && now.start == p.start {
			w.members[st.ppid] = now
			return now.comm
		}
	}
	return p.comm
}

// count is the number of processes seen running the target.
func (w *spawnWatch) count() int { return len(w.found) }

// running returns the processes seen running the target.
func (w *spawnWatch) running() []procStat {
	out := make([]procStat, 0, len(w.found))
	for _, st := range w.found {
		out = append(out, st)
	}
	return out
}

// pidSource tells which PIDs were allocated since it was last asked.
type pidSource interface {
	next() ([]int, error)
}

// newPIDSource reads the last allocated PID when the kernel shows it, and
// lists /proc otherwise.
func newPIDSource() (pidSource, error) {
	last, err := readInt(lastPIDFile)
	if err == nil {
		max, err := readInt("/proc/sys/kernel/pid_max")
		if err != nil {
			return nil, err
		}
		return &lastPIDSource{last: last, max: max}, nil
	}
	pids, err := listPIDs()
	if err != nil {
		return nil, err
	}
	seen := make(map[int]bool, len(pids))
	for _, p := range pids {
		seen[p] = true
	}
	return &listSource{seen: seen}, nil
}

const lastPIDFile = "/proc/sys/kernel/ns_last_pid"

// lastPIDSource walks from the previous last allocated PID to the current
// one, wrapping at pid_max. Thread IDs come from the same counter, and a
// thread's stat names its process's parent and, unless the thread renamed
// itself, its process's command name: poll tells them apart.
type lastPIDSource struct {
	last, max int
}

func (s *lastPIDSource) next() ([]int, error) {
	cur, err := readInt(lastPIDFile)
	if err != nil {
		return nil, err
	}
	var out []int
	for p := s.last; p != cur; {
		p++
		if p >= s.max {
			p = 1
		}
		out = append(out, p)
	}
	s.last = cur
	return out, nil
}

// listSource lists /proc and returns the PIDs that were not there at the
// previous listing.
type listSource struct {
	seen map[int]bool
}

func (s *listSource) next() ([]int, error) {
	pids, err := listPIDs()
	if err != nil {
		return nil, err
	}
	var out []int
	now := make(map[int]bool, len(pids))
	for _, p := range pids {
		now[p] = true
		if !s.seen[p] {
			out = append(out, p)
		}
	}
	s.seen = now
	return out, nil
}
