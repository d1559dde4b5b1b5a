//go:build unix

package logsink

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/supers-dev/supers/config/flock"
)

// How long, and how often, dirLock.take tries again at Open a lock that
// this very process holds: a Sink's lock is released at the end of its
// Close, but a child forked at that moment by another goroutine holds a
// copy of the descriptor until it runs its program.
const (
	ownLockWait = 500 * time.Millisecond
	ownLockPoll = 5 * time.Millisecond
)

// dirLock is the exclusive flock of a Sink's directory, shared by its two
// writers: two supervisors that write the same service's logs (two superd
// given one --log-dir, each with a service of that name) would interleave
// their output in one file and rotate it under each other.
//
// The Sink takes it when it prepares the directory, and each writer makes
// sure of it again before it opens its live file (ensureLive): the
// directory may have been removed and made again since (the lock was on
// the old one), or the preparation may have ended after Open returned
// (see Options.OpenWait), its refusal then only reported. A writer whose
// lock another process holds does not write: its output is dropped and
// counted, and the next write tries again.
//
// Where no lock can be taken (a directory that cannot be opened now, a
// file system without flock), the Sink writes unlocked: the lock is a
// guard, not a condition of logging. Nor does it yield to a lock held by
// a process that cannot be a supervisor of the directory (see
// flock.Foreign): whoever may read the directory can lock it, and would
// otherwise keep the service's output from being logged.
type dirLock struct {
	dir string

	mu       sync.Mutex
	f        *os.File // the locked directory, nil while none is
	released bool     // the Sink is closed: nothing is locked any more
}

// take makes sure the lock is held on the directory dir names now. With
// wait (the preparation), a lock of this very process is waited for up to
// ownLockWait; without it (a writer), one try. A nil dirLock locks
// nothing. Another process's lock
// fails with an error wrapping ErrDirInUse that names its PID where the
// system tells it.
func (l *dirLock) take(wait bool) error {
	if l == nil {
		return nil // a writer made on its own (tests)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.released || l.f != nil && sameDir(l.f, l.dir) {
		return nil
	}
	deadline := time.Now().Add(ownLockWait)
	for {
		f, holder, err := tryLockDir(l.dir)
		if err == nil {
			if f != nil {
				if l.f != nil {
					_ = l.f.Close() // the directory that was replaced
				}
				l.f = f
			}
			return nil
		}
		if !wait || holder != os.Getpid() || !time.Now().Before(deadline) {
			return err
		}
		time.Sleep(ownLockPoll)
	}
}

// drop releases the lock, which a later take may take again.
func (l *dirLock) drop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f != nil {
		_ = l.f.Close()
		l.f = nil
	}
}

// release releases the lock for good.
func (l *dirLock) release() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.released = true
	if l.f != nil {
		_ = l.f.Close()
		l.f = nil
	}
}

// sameDir reports whether f is open on the directory that dir names now
// (following a symbolic link, as the Sink does).
func sameDir(f *os.File, dir string) bool {
	fi, err := os.Stat(dir)
	if err != nil {
		return false
	}
	held, err := f.Stat()
	return err == nil && os.SameFile(fi, held)
}

// tryLockDir is one try to lock dir; it returns the directory held open
// with the lock (nil where none can be taken), and, when another holds
// the lock, the PID of the holder (0 if unknown).
func tryLockDir(dir string) (*os.File, int, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, 0, nil
	}
	err = flock.TryLock(f)
	if err == nil {
		return f, 0, nil
	}
	if !errors.Is(err, flock.ErrLocked) {
		_ = f.Close() // no flock here: nothing to guard with
		return nil, 0, nil
	}
	holder := flock.Holder(dir)
	if holder == 0 || flock.Foreign(holder, f) != "" {
		// Released between the two looks, or held by a process that
		// cannot supervise the directory: once more, then without it.
		if err = flock.TryLock(f); err == nil {
			return f, 0, nil
		}
		if holder != 0 {
			_ = f.Close()
			return nil, 0, nil
		}
	}
	_ = f.Close()
	if holder > 0 {
		return nil, holder, fmt.Errorf("log directory %s: %w (pid %d holds its lock)", dir, ErrDirInUse, holder)
	}
	return nil, 0, fmt.Errorf("log directory %s: %w", dir, ErrDirInUse)
}
