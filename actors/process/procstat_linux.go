//go:build linux

package process

import (
	"bytes"
	"fmt"
	"strconv"

	"golang.org/x/sys/unix"
)

// ProcStartTime returns the start time of process pid in clock ticks since
// boot: field 22 of /proc/PID/stat. Together with the pid it identifies a
// process even after its pid is reused.
func ProcStartTime(pid int) (uint64, error) {
	var buf [4096]byte
	stat, err := readProcStat(strconv.Itoa(pid), buf[:])
	if err != nil {
		return 0, fmt.Errorf("process: start time of %d: %w", pid, err)
	}
	return parseStartTime(stat)
}

// readProcStat reads /proc/pid/stat into buf and returns the line. One read
// returns the whole line (a few hundred bytes) at once: it is generated on
// the first read.
func readProcStat(pid string, buf []byte) ([]byte, error) {
	fd, err := unix.Open("/proc/"+pid+"/stat", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	n, err := unix.Read(fd, buf)
	if err != nil {
		return nil, err
	}
	return buf[:n], nil
}

// statFields returns the fields of a /proc/PID/stat line from field 3,
// the state, on: field n is at index n-3. Field 2, the command name, is
// in parentheses and may contain spaces and parentheses, so fields are
// counted from the last ')'. ok is false if there is none.
func statFields(stat []byte) (fields [][]byte, ok bool) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return nil, false
	}
	fields = bytes.Fields(stat[i+1:])
	return fields, len(fields) > 0
}

// parseStartTime extracts field 22 of a /proc/PID/stat line.
func parseStartTime(stat []byte) (uint64, error) {
	fields, ok := statFields(stat)
	if !ok {
		return 0, fmt.Errorf("process: malformed stat line %q", stat)
	}
	const idx = 22 - 3
	if len(fields) <= idx {
		return 0, fmt.Errorf("process: short stat line %q", stat)
	}
	v, err := strconv.ParseUint(string(fields[idx]), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("process: bad start time in stat line: %w", err)
	}
	return v, nil
}

// atClkTck is the auxiliary vector entry holding USER_HZ (<elf.h>).
const atClkTck = 17

// bootClock reads CLOCK_BOOTTIME in clock ticks (USER_HZ), the clock and
// unit of the start time in /proc/PID/stat: clone stamps the new process
// with the boot time, and /proc reports it rounded down to ticks. Readings
// just before and just after a fork therefore bracket the start time of the
// child; when both fall in the same tick, that tick is its start time, and
// /proc need not be read, which costs about 0.1 ms on a small virtual
// machine. A tick is 10 ms, a fork about 1 ms: /proc is read for roughly
// one start in ten.
type bootClock struct {
	hz uint64 // ticks a second; 0 if the clock cannot be used
}

// newBootClock returns the clock, unusable if USER_HZ is not known from the
// auxiliary vector or does not divide a second into whole nanoseconds.
func newBootClock() bootClock {
	vec, err := unix.Auxv()
	if err != nil {
		return bootClock{}
	}
	for _, kv := range vec {
		if kv[0] == atClkTck && kv[1] > 0 && 1e9%kv[1] == 0 {
			return bootClock{hz: uint64(kv[1])}
		}
	}
	return bootClock{}
}

// now returns the current tick, or 0 if the clock cannot be used.
func (c bootClock) now() uint64 {
	if c.hz == 0 {
		return 0
	}
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts); err != nil {
		return 0
	}
	return uint64(ts.Sec)*c.hz + uint64(ts.Nsec)/(1e9/c.hz)
}

// startTime returns the start time of pid, forked between the readings
// before and after of now, reading /proc only if they differ. The child must
// not have been reaped yet.
func (c bootClock) startTime(pid int, before, after uint64) (uint64, error) {
	if before != 0 && before == after {
		return before, nil
	}
	return ProcStartTime(pid)
}
