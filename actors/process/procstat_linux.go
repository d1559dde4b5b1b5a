//go:build linux

package process

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
)

// ProcStartTime returns the start time of process pid in clock ticks since
// boot: field 22 of /proc/PID/stat. Together with the pid it identifies a
// process even after its pid is reused.
func ProcStartTime(pid int) (uint64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, fmt.Errorf("process: start time of %d: %w", pid, err)
	}
	return parseStartTime(b)
}

// parseStartTime extracts field 22 of a /proc/PID/stat line. Field 2, the
// command name, is in parentheses and may contain spaces and parentheses,
// so fields are counted from the last ')'.
func parseStartTime(stat []byte) (uint64, error) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("process: malformed stat line %q", stat)
	}
	fields := bytes.Fields(stat[i+1:]) // fields[0] is field 3, the state
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
