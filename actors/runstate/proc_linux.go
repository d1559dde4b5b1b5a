//go:build linux

package runstate

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"syscall"
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

// parseStat extracts the state (field 3), process group (field 5) and start
// time (field 22) from a /proc/PID/stat line. Field 2, the command name, is
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
		pgidIdx  = 5 - 3
		startIdx = 22 - 3
	)
	if len(f) <= startIdx || len(f[stateIdx]) != 1 {
		return procInfo{}, fmt.Errorf("runstate: malformed stat line %q", stat)
	}
	pgid, err := strconv.Atoi(string(f[pgidIdx]))
	if err != nil {
		return procInfo{}, fmt.Errorf("runstate: bad process group in stat line: %w", err)
	}
	start, err := strconv.ParseUint(string(f[startIdx]), 10, 64)
	if err != nil {
		return procInfo{}, fmt.Errorf("runstate: bad start time in stat line: %w", err)
	}
	return procInfo{state: f[stateIdx][0], pgid: pgid, startTime: start}, nil
}
