//go:build linux

package process

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

// GroupUsage returns, by process group id, what the process groups pgids
// use now: one pass over /proc, one read of /proc/PID/stat for each
// process of the machine. A group that has no live process is missing. It
// polls nothing: it is meant for a request that asks for it.
func GroupUsage(pgids []int) (map[int]Usage, error) {
	want := make(map[int]bool, len(pgids))
	for _, g := range pgids {
		if g > 0 {
			want[g] = true
		}
	}
	out := make(map[int]Usage, len(want))
	if len(want) == 0 {
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
	hz := newBootClock().hz
	if hz == 0 {
		hz = 100 // USER_HZ on every Linux architecture Go supports
	}
	page := uint64(os.Getpagesize())
	var buf [4096]byte
	for _, name := range names {
		if name[0] < '0' || name[0] > '9' {
			continue
		}
		st, ok := readStat(name, buf[:])
		if !ok || !want[st.pgrp] || st.zombie {
			continue // gone meanwhile, or not of a group asked about
		}
		u := out[st.pgrp]
		u.Processes++
		u.RSS += st.rss * page
		u.CPU += ticks(st.utime+st.stime+st.cutime+st.cstime, hz)
		out[st.pgrp] = u
	}
	return out, nil
}

// ticks converts n clock ticks of hz a second, which divides a second
// (see newBootClock), into a duration: dividing first, it neither
// overflows (for 290 years of CPU at 100 Hz) nor rounds.
func ticks(n, hz uint64) time.Duration {
	return time.Duration(n) * (time.Second / time.Duration(hz))
}

// procStat is what GroupUsage reads of a /proc/PID/stat line.
type procStat struct {
	pgrp           int
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
	pgrp, ok1 := field(5)
	utime, ok2 := field(14)
	stime, ok3 := field(15)
	cutime, ok4 := field(16)
	cstime, ok5 := field(17)
	rss, ok6 := field(24)
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 {
		return procStat{}, false
	}
	return procStat{pgrp: int(pgrp), zombie: f[0][0] == 'Z', utime: utime, stime: stime, cutime: cutime, cstime: cstime, rss: rss}, true
}
