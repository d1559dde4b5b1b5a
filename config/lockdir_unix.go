//go:build unix

package config

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/supers-dev/supers/config/flock"
)

// DirLock is the lock of a config dir, held by path: an exclusive advisory
// lock (flock) on the directory itself, so that no file is created and a
// read-only directory can be locked too. Two supervisors that load the same
// service files would run every service twice: the second one's LockDir,
// or Refresh, fails with an error wrapping ErrDirInUse.
//
// The lock is on the directory the path named when it was taken: replaced
// (moved away, and a new one made at the path) or created after a start
// without it, the path names a directory nobody locks, until Refresh locks
// it. A DirLock is safe for concurrent use.
type DirLock struct {
	dir string

	mu      sync.Mutex
	f       *os.File // the locked directory; nil when none was (missing, no flock, or a foreign lock)
	closed  bool     // Close was called: Refresh locks nothing any more
	foreign error    // the lock of the directory is held by a process that cannot supervise it (see Foreign)
}

// LockDir locks dir, without waiting for another process. A directory
// that cannot be opened (missing: it may be created later) is not locked,
// and is no error here; reading it reports the problem, and Refresh locks
// it once it exists.
//
// A lock that this very process holds is waited for, up to ownLockWait
// (on Linux, which tells who holds a lock): a lock released by Close (a
// supervisor closed, and another started on the same dir) stays held by a
// child forked at that moment by another goroutine, whose copy of the
// descriptor lasts until it runs its program. A lock still held after
// that (two supervisors of one program on the same dir) fails as another
// process's does.
func LockDir(dir string) (*DirLock, error) {
	l := &DirLock{dir: dir}
	deadline := time.Now().Add(ownLockWait)
	for {
		holder, err := l.refresh()
		if err == nil {
			return l, nil
		}
		if !errors.Is(err, ErrDirInUse) || holder != os.Getpid() || !time.Now().Before(deadline) {
			return nil, err
		}
		time.Sleep(ownLockPoll)
	}
}

// How long, and how often, LockDir tries again a lock this process holds.
const (
	ownLockWait = 500 * time.Millisecond
	ownLockPoll = 5 * time.Millisecond
)

// Refresh makes sure the lock is on the directory the path names now: if
// it names another one (the directory was replaced) or one that was
// missing when the lock was taken, it locks that one, then releases the
// old lock. It fails with an error wrapping ErrDirInUse if another process
// holds the new one (the old lock is then kept), unless that process
// cannot be a supervisor of the directory (see Foreign). A path that names
// no directory now changes nothing.
func (l *DirLock) Refresh() error {
	_, err := l.refresh()
	return err
}

// refresh is Refresh; when another process holds the lock, it also
// returns that process's PID as the refusal names it (0 if unknown).
func (l *DirLock) refresh() (holder int, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return 0, nil
	}
	var foreign error // the lock found held by a process that cannot supervise the dir
	defer func() {
		if err == nil {
			l.foreign = foreign
		}
	}()
	f, err := os.Open(l.dir)
	if err != nil {
		return 0, nil // missing or unreadable: reading it reports the problem
	}
	if fi, err := f.Stat(); err != nil || !fi.IsDir() {
		_ = f.Close()
		return 0, nil // not a directory: reading it reports the problem
	}
	if l.f != nil && sameFile(l.f, f) {
		_ = f.Close()
		return 0, nil
	}
	err = flock.TryLock(f)
	if errors.Is(err, flock.ErrLocked) {
		holder = flock.Holder(l.dir)
		if holder == 0 {
			// Nobody holds it any more (or this system cannot tell):
			// released between the two looks, try once more.
			err = flock.TryLock(f)
		}
	}
	if errors.Is(err, flock.ErrLocked) {
		// Whoever may read the directory can lock it: such a lock would
		// otherwise keep every supervisor of the dir from starting, or
		// from reloading it once replaced. The dir is run unlocked (as
		// on a file system without flock) until a later refresh takes
		// the lock. (Looked at once more: a holder that has exited may
		// have released it by now.)
		if who := flock.Foreign(holder, f); who != "" {
			if err = flock.TryLock(f); errors.Is(err, flock.ErrLocked) {
				_ = f.Close()
				if l.f != nil {
					_ = l.f.Close() // the directory that was replaced
					l.f = nil
				}
				foreign = fmt.Errorf("config dir %s: its lock is held by %s, which cannot be a supervisor of it (whoever may read a directory can lock it): going on without the lock, taken once released", l.dir, who)
				return 0, nil
			}
		}
	}
	switch {
	case errors.Is(err, flock.ErrLocked):
		_ = f.Close()
		if holder > 0 {
			return holder, fmt.Errorf("config dir %s: %w (pid %d holds its lock)", l.dir, ErrDirInUse, holder)
		}
		return 0, fmt.Errorf("config dir %s: %w", l.dir, ErrDirInUse)
	case err != nil:
		// A file system without flock: nothing to guard with.
		_ = f.Close()
		return 0, nil
	}
	if l.f != nil {
		_ = l.f.Close() // the directory that was replaced
	}
	l.f = f
	return 0, nil
}

// Foreign returns an error describing the lock of the directory if, when
// it was last taken or refreshed, another process held it that cannot be
// a supervisor of the directory, and nil otherwise. Any user who may read
// a directory can open it and hold its flock; so, rather than refusing
// the directory for as long as such a process likes, LockDir and Refresh
// ignore a lock held by a process whose real or effective user is neither
// root nor this process's effective user (a supervisor of another user
// would not run the directory's services as they are meant to run), or
// whose taker has exited, leaving a process it started to hold it (a
// supervisor holds its lock itself as long as it runs). The directory is
// then not locked, and the next Refresh tries again. Such a lock is only
// seen where the holder of a lock can be told (Linux); elsewhere it is an
// ErrDirInUse, as another supervisor's is.
func (l *DirLock) Foreign() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.foreign
}

// Close releases the lock.
func (l *DirLock) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// sameFile reports whether a and b are open on the same file.
func sameFile(a, b *os.File) bool {
	ai, err := a.Stat()
	if err != nil {
		return false
	}
	bi, err := b.Stat()
	return err == nil && os.SameFile(ai, bi)
}
