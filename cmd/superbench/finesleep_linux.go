//go:build linux

package main

import (
	"errors"
	"fmt"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// fineSlack is the timer slack of a fine sleeper's thread: how much later
// than asked the kernel may end its sleeps.
const fineSlack = time.Microsecond

// fineSleeper sleeps for short intervals with the precision a restart
// measurement needs, which time.Sleep does not have: when a Go program has
// nothing else to run, the scheduler waits for its next timer in
// epoll_pwait, whose timeout is whole milliseconds, so time.Sleep of 100 µs
// lasts about 1.1 ms. A fine sleeper instead blocks its goroutine's OS
// thread in nanosleep, with a timer slack of fineSlack (50 µs by default).
//
// It holds its goroutine on one OS thread from newFineSleeper until close,
// and must be used and closed by that goroutine only.
type fineSleeper struct {
	oldSlack int
}

// newFineSleeper locks the calling goroutine to its OS thread and lowers
// that thread's timer slack.
func newFineSleeper() (*fineSleeper, error) {
	runtime.LockOSThread()
	old, err := unix.PrctlRetInt(unix.PR_GET_TIMERSLACK, 0, 0, 0, 0)
	if err == nil {
		err = unix.Prctl(unix.PR_SET_TIMERSLACK, uintptr(fineSlack.Nanoseconds()), 0, 0, 0)
	}
	if err != nil {
		runtime.UnlockOSThread()
		return nil, fmt.Errorf("timer slack: %w", err)
	}
	return &fineSleeper{oldSlack: old}, nil
}

// sleep blocks the thread for at least d.
func (s *fineSleeper) sleep(d time.Duration) error {
	ts := unix.NsecToTimespec(d.Nanoseconds())
	for {
		err := unix.Nanosleep(&ts, &ts)
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}

// close gives the thread its timer slack back and unlocks the goroutine.
func (s *fineSleeper) close() error {
	defer runtime.UnlockOSThread()
	if err := unix.Prctl(unix.PR_SET_TIMERSLACK, uintptr(s.oldSlack), 0, 0, 0); err != nil {
		return fmt.Errorf("timer slack: %w", err)
	}
	return nil
}
