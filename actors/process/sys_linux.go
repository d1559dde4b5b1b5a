//go:build linux

package process

import (
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// subreaperSupported tells whether setSubreaper has an effect.
const subreaperSupported = true

// setSubreaper makes the process a child subreaper (or stops it being one):
// orphaned descendants are reparented to it instead of init.
func setSubreaper(on bool) error {
	var v uintptr
	if on {
		v = 1
	}
	return unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, v, 0, 0, 0)
}

// closeRangeCloexec marks every descriptor from 3 up close-on-exec in one
// system call (Linux 5.11 and later).
func closeRangeCloexec() error {
	return unix.CloseRange(3, ^uint(0), unix.CLOSE_RANGE_CLOEXEC)
}

// onMainThread reports whether the calling goroutine runs on the main thread
// of the process, whose thread id is the process id. The calling goroutine
// must be locked to its thread.
func onMainThread() bool {
	return unix.Gettid() == unix.Getpid()
}

// ignoredAtStart lists the signals among those the Go runtime leaves as it
// found them (see keptIgnored) that the process ignores: SigIgn of
// /proc/self/status. None if that cannot be read.
func ignoredAtStart() []os.Signal {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return nil
	}
	var mask uint64
	for line := range strings.SplitSeq(string(b), "\n") {
		if hex, ok := strings.CutPrefix(line, "SigIgn:"); ok {
			if mask, err = strconv.ParseUint(strings.TrimSpace(hex), 16, 64); err != nil {
				return nil
			}
		}
	}
	var sigs []os.Signal
	for _, sig := range keptIgnored {
		if mask&(1<<(uint(sig.(syscall.Signal))-1)) != 0 {
			sigs = append(sigs, sig)
		}
	}
	return sigs
}
