//go:build linux

package process

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"
)

// ServiceUsage returns, by main process (UsageQuery.PID), what the
// processes of each service use now: those of the process group its main
// process leads, the main process's descendants that left the group (a
// daemon that called setsid), and the orphans this process adopted as a
// child subreaper whose environment holds the service's marker, with
// their descendants (a daemon that double-forked). One pass over /proc
// reads each process's /proc/PID/stat, and the environment of this
// process's orphans; each process is counted for one service at most. A
// service none of whose processes lives is missing. It polls nothing: it
// is meant for a request that asks for it.
//
// The environments are read as those of a service's strays are
// (readEnviron, within probeWait): reading one takes the process's
// memory-map lock, which a process stuck in the kernel may hold for as
// long as it is stuck; such a process is counted for no service, instead
// of holding the request. They are read usageReaders at a time, so that
// many stuck orphans hold the first request that meets them probeWait for
// every usageReaders of them (later requests do not read them again while
// they are stuck). Once ctx ends, ServiceUsage returns its cause at once.
func (m *Manager) ServiceUsage(ctx context.Context, qs []UsageQuery) (map[int]Usage, error) {
	return serviceUsage(ctx, qs, m.readEnviron)
}

// usageReaders is how many orphans' environments ServiceUsage reads at
// once.
const usageReaders = 8

// serviceUsage is ServiceUsage, reading the environment of a process with
// readEnviron.
func serviceUsage(ctx context.Context, qs []UsageQuery, readEnviron envReader) (map[int]Usage, error) {
	out := make(map[int]Usage, len(qs))
	owner := make(map[int]int, len(qs)) // process → the main process of its service
	for _, q := range qs {
		if q.PID > 0 {
			owner[q.PID] = q.PID // it leads its service's group
		}
	}
	if len(owner) == 0 {
		return out, nil
	}
	d, err := os.Open("/proc")
	if err != nil {
		return nil, fmt.Errorf("process: usage: %w", err)
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return nil, fmt.Errorf("process: usage: %w", err)
	}
	var (
		buf      [4096]byte
		procs    = make(map[int]procStat, len(names))
		children = make(map[int][]int) // by parent, the live processes not yet owned
		self     = os.Getpid()
	)
	for _, name := range names {
		if name[0] < '0' || name[0] > '9' {
			continue
		}
		st, ok := readStat(name, buf[:])
		if !ok || st.zombie {
			continue // gone meanwhile
		}
		pid, _ := strconv.Atoi(name)
		procs[pid] = st
		if st.pgrp > 0 && owner[st.pgrp] == st.pgrp { // a service's group (kernel threads have pgrp 0)
			owner[pid] = st.pgrp
			continue
		}
		children[st.ppid] = append(children[st.ppid], pid)
	}
	for _, q := range qs {
		if st, ok := procs[q.PID]; q.PID > 0 && (!ok || st.pgrp != q.PID) {
			// Not the main process any more (gone, or its PID reused by
			// a process that leads no group of that id): neither it nor
			// its descendants are the service's; its group's other
			// processes still are.
			delete(owner, q.PID)
		}
	}
	// This process's orphans, by the marker in their environment: each
	// entry of it is looked up once among the services' markers.
	marked := make(map[string]int) // marker entry → main process
	for _, q := range qs {
		if q.PID > 0 && len(q.Marker) > 0 {
			marked[string(q.Marker)] = q.PID
		}
	}
	if len(marked) > 0 {
		orphans := children[self] // none of them owned yet
		envs, err := readEnvirons(ctx, orphans, readEnviron)
		if err != nil {
			return nil, fmt.Errorf("process: usage: %w", err)
		}
		for i, env := range envs {
			for kv := range bytes.SplitSeq(env, []byte{0}) {
				if main, ok := marked[string(kv)]; ok {
					owner[orphans[i]] = main
					break
				}
			}
		}
	}
	// The descendants of every process owned so far, whatever their group.
	todo := make([]int, 0, len(owner))
	for pid := range owner {
		todo = append(todo, pid)
	}
	for len(todo) > 0 {
		pid := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		for _, child := range children[pid] {
			if _, ok := owner[child]; !ok {
				owner[child] = owner[pid]
				todo = append(todo, child)
			}
		}
	}
	hz := newBootClock().hz
	if hz == 0 {
		hz = 100 // USER_HZ on every Linux architecture Go supports
	}
	page := uint64(os.Getpagesize())
	for pid, main := range owner {
		st, ok := procs[pid]
		if !ok {
			continue // the main process itself is gone (or a zombie)
		}
		u := out[main]
		u.Processes++
		u.RSS += st.rss * page
		u.CPU += ticks(st.utime+st.stime+st.cutime+st.cstime, hz)
		out[main] = u
	}
	return out, nil
}

// readEnvirons reads the environment of each of pids with read,
// usageReaders at a time, and returns them in the order of pids (nil for a
// read that failed). Once ctx ends it returns ctx's cause at once; the
// reads under way then end within their own bound (read is a probe's) and
// no other is started.
func readEnvirons(ctx context.Context, pids []int, read envReader) ([][]byte, error) {
	envs := make([][]byte, len(pids))
	if len(pids) == 0 {
		return envs, nil
	}
	next := make(chan int)
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range min(usageReaders, len(pids)) {
		wg.Go(func() {
			for i := range next {
				if env, err := read(pids[i]); err == nil {
					envs[i] = env
				}
			}
		})
	}
	go func() {
		defer close(done)
		wg.Wait()
	}()
	for i := range pids {
		select {
		case next <- i:
		case <-ctx.Done():
			close(next)
			return nil, context.Cause(ctx)
		}
	}
	close(next)
	select {
	case <-done:
		return envs, nil
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
}

// ticks converts n clock ticks of hz a second, which divides a second
// (see newBootClock), into a duration: dividing first, it neither
// overflows (for 290 years of CPU at 100 Hz) nor rounds.
func ticks(n, hz uint64) time.Duration {
	return time.Duration(n) * (time.Second / time.Duration(hz))
}

// procStat is what ServiceUsage reads of a /proc/PID/stat line.
type procStat struct {
	ppid, pgrp     int
	zombie         bool
	utime, stime   uint64 // clock ticks
	cutime, cstime uint64 // clock ticks of its children that it waited for
	rss            uint64 // pages
}

// readStat reads /proc/pid/stat into buf and parses it; false if the
// process is gone or the line is malformed.
func readStat(pid string, buf []byte) (procStat, bool) {
	stat, err := readProcStat(pid, buf)
	if err != nil {
		return procStat{}, false
	}
	return parseStat(stat)
}

// parseStat parses a /proc/PID/stat line (see statFields).
func parseStat(line []byte) (procStat, bool) {
	f, ok := statFields(line)
	if !ok {
		return procStat{}, false
	}
	field := func(n int) (uint64, bool) {
		if n-3 >= len(f) {
			return 0, false
		}
		v, err := strconv.ParseUint(string(f[n-3]), 10, 64)
		return v, err == nil
	}
	ppid, ok0 := field(4)
	pgrp, ok1 := field(5)
	utime, ok2 := field(14)
	stime, ok3 := field(15)
	cutime, ok4 := field(16)
	cstime, ok5 := field(17)
	rss, ok6 := field(24)
	if !ok0 || !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 {
		return procStat{}, false
	}
	return procStat{ppid: int(ppid), pgrp: int(pgrp), zombie: f[0][0] == 'Z', utime: utime, stime: stime, cutime: cutime, cstime: cstime, rss: rss}, true
}
