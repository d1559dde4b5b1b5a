//go:build !linux

package runstate

import (
	"errors"
	"syscall"
)

// bootID is unsupported without /proc: it returns [errors.ErrUnsupported].
func bootID() (string, error) { return "", errors.ErrUnsupported }

// inspect is unsupported without /proc: it returns [errors.ErrUnsupported].
func inspect(int) (procInfo, error) { return procInfo{}, errors.ErrUnsupported }

// signalProcess is unsupported here: it returns [errors.ErrUnsupported].
func signalProcess(int, syscall.Signal) error { return errors.ErrUnsupported }

// ownGroup is never called without /proc.
func ownGroup(marked, bool) bool { return false }

// ancestorGroups knows no process without /proc.
func ancestorGroups() (pids, groups map[int]bool) { return nil, nil }

// findLeftovers is unsupported without /proc: it returns
// [errors.ErrUnsupported].
func findLeftovers([]string, map[uint64]*pipeOwner) ([]marked, []int, error) {
	return nil, nil, errors.ErrUnsupported
}

// runningSince cannot tell a process's start time without /proc: no.
func runningSince(int, uint64) bool { return false }
