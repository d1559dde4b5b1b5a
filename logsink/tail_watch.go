package logsink

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"

	"github.com/fsnotify/fsnotify"
)

// Watcher watches the directories of followed log files for any number of
// followers ([Tail] with [TailOptions.Watcher]), with a single fsnotify
// watcher (one inotify instance on Linux, which allows 128 per user by
// default, shared with every other program of the user). It starts that
// watcher, and its one goroutine, when the first follower comes, and stops
// both when the last one goes. Each event is handed only to the followers
// watching the directory it is about.
//
// The zero value is not usable: create one with [NewWatcher]. It is safe for
// concurrent use. Close ends every follower that uses it.
type Watcher struct {
	log *slog.Logger

	mu     sync.Mutex
	closed bool
	run    *watchRun // nil while nobody follows
}

// watchRun is one fsnotify watcher and the followers that use it, from the
// first follower to the last.
type watchRun struct {
	w        *fsnotify.Watcher
	subs     map[*watchSub]struct{}
	dirs     map[string]*watchedDir // by clean path
	stopping bool                   // the Watcher closes w: its channels' end is expected
	err      error                  // why it stopped by itself; nil while it runs
	done     chan struct{}          // closed when its goroutine has returned
}

// watchedDir is a directory the run watches for some followers.
type watchedDir struct {
	id   os.FileInfo // what the path named when the watch was added
	subs map[*watchSub]struct{}
}

// watchSub is one follower's use of a Watcher.
type watchSub struct {
	w      *Watcher
	run    *watchRun
	dir    string // the directory it watches; "" before the first watch
	closed bool   // close was called

	// Called on the run's goroutine with the Watcher's lock held: they must
	// not block, nor call the Watcher.
	notice func(name string, op fsnotify.Op) // an event about name
	lost   func()                            // events may have been lost: look at everything again
	end    func(err error)                   // no more events: the Watcher was closed (nil) or failed
}

// NewWatcher returns a Watcher with nobody to watch for yet; it costs
// nothing until a follower uses it. logger receives the watcher's errors;
// nil discards them.
func NewWatcher(logger *slog.Logger) *Watcher {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Watcher{log: logger}
}

// errWatcherClosed is returned to a follower that starts after Close.
var errWatcherClosed = errors.New("logsink: log watcher closed")

// subscribe adds a follower, starting the fsnotify watcher if it is the
// first one. The follower watches nothing until it calls watch.
func (w *Watcher) subscribe(notice func(string, fsnotify.Op), lost func(), end func(error)) (*watchSub, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil, errWatcherClosed
	}
	if w.run == nil {
		fw, err := fsnotify.NewWatcher()
		if err != nil {
			return nil, watchError("start a file watcher", err)
		}
		w.run = &watchRun{w: fw, subs: make(map[*watchSub]struct{}), dirs: make(map[string]*watchedDir), done: make(chan struct{})}
		go w.loop(w.run)
	}
	s := &watchSub{w: w, run: w.run, notice: notice, lost: lost, end: end}
	w.run.subs[s] = struct{}{}
	return s, nil
}

// watchError wraps an error of inotify_init or inotify_add_watch, whose
// errno (EMFILE, ENOSPC) reads as if files or the disk ran out, with the
// limit that was actually reached.
func watchError(what string, err error) error {
	switch {
	case errors.Is(err, syscall.EMFILE):
		return fmt.Errorf("%s: %w (the user's inotify instances are used up: see fs.inotify.max_user_instances)", what, err)
	case errors.Is(err, syscall.ENOSPC):
		return fmt.Errorf("%s: %w (the user's inotify watches are used up: see fs.inotify.max_user_watches)", what, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// watch makes s watch the directory d, whose FileInfo is fi, instead of the
// one it watched before. It reports whether anything changed: false if s
// already watched d and the watch is still in place for that very
// directory. A d that no longer exists is an error matching
// fs.ErrNotExist.
func (s *watchSub) watch(d string, fi os.FileInfo) (bool, error) {
	w := s.w
	w.mu.Lock()
	defer w.mu.Unlock()
	run := s.run
	if run.err != nil {
		return false, run.err
	}
	if run.stopping || s.closed {
		return false, errWatcherClosed
	}
	rec := run.dirs[d]
	// A watch ends when its directory is removed or renamed (fsnotify drops
	// it before it reports that), and a new directory at the same path may
	// even reuse the old one's inode number.
	live := rec != nil && rec.id != nil && slices.Contains(run.w.WatchList(), d) && os.SameFile(rec.id, fi)
	if live && s.dir == d {
		return false, nil
	}
	if !live {
		if rec != nil && slices.Contains(run.w.WatchList(), d) { // the same path names a new directory
			_ = run.w.Remove(d)
		}
		if err := run.w.Add(d); err != nil {
			if rec != nil {
				rec.id = nil // not watched any more
			}
			if errors.Is(err, fs.ErrNotExist) {
				return false, err
			}
			return false, watchError("watch "+d, err)
		}
		if rec == nil {
			rec = &watchedDir{subs: make(map[*watchSub]struct{})}
			run.dirs[d] = rec
		}
		rec.id = fi
		// fsnotify drops the removal of a watched directory whose parent
		// path is watched too, counting on the parent's event, which a
		// new directory at that path does not raise: the followers below
		// d look again, in case theirs is gone.
		for p, below := range run.dirs {
			if p != d && isSameOrAncestor(d, p) {
				for o := range below.subs {
					o.lost()
				}
			}
		}
	}
	if s.dir != d {
		s.leaveDir()
		rec.subs[s] = struct{}{}
		s.dir = d
	}
	return true, nil
}

// leaveDir stops s watching its directory, and the run watching it if s
// was its last follower. The Watcher's lock must be held.
func (s *watchSub) leaveDir() {
	if s.dir == "" {
		return
	}
	if rec := s.run.dirs[s.dir]; rec != nil {
		delete(rec.subs, s)
		if len(rec.subs) == 0 {
			delete(s.run.dirs, s.dir)
			if s.run.err == nil && !s.run.stopping {
				_ = s.run.w.Remove(s.dir) // may be gone with its directory
			}
		}
	}
	s.dir = ""
}

// close ends s. The last follower's close stops the fsnotify watcher and
// waits for its goroutine. close is called once.
func (s *watchSub) close() {
	w := s.w
	w.mu.Lock()
	s.closed = true
	s.leaveDir()
	run := s.run
	delete(run.subs, s)
	last := w.run == run && len(run.subs) == 0
	if last {
		w.run = nil
		run.stopping = true
	}
	w.mu.Unlock()
	if last {
		_ = run.w.Close()
		<-run.done
	}
}

// Close stops the Watcher: every follower using it ends (its Read returns
// io.EOF), and so does every follower started later. It waits for the
// watcher's goroutine to return. Close is idempotent.
func (w *Watcher) Close() error {
	w.mu.Lock()
	w.closed = true
	run := w.run
	w.run = nil
	if run != nil {
		run.stopping = true
		for s := range run.subs {
			s.end(nil)
		}
	}
	w.mu.Unlock()
	if run == nil {
		return nil
	}
	err := run.w.Close()
	<-run.done
	if err != nil {
		return fmt.Errorf("logsink: close the log watcher: %w", err)
	}
	return nil
}

// loop hands the run's events to its followers until its fsnotify watcher
// is closed.
func (w *Watcher) loop(run *watchRun) {
	defer close(run.done)
	var lastErr error
	for {
		select {
		case ev, ok := <-run.w.Events:
			if !ok {
				w.stopped(run, lastErr)
				return
			}
			w.dispatch(run, ev)
		case err, ok := <-run.w.Errors:
			if !ok {
				w.stopped(run, lastErr)
				return
			}
			if !errors.Is(err, fsnotify.ErrEventOverflow) {
				lastErr = err
				w.log.Warn("logsink: file watcher error", "error", err)
			}
			// Events may have been lost: every follower looks at everything
			// again.
			w.mu.Lock()
			for s := range run.subs {
				s.lost()
			}
			w.mu.Unlock()
		}
	}
}

// dispatch hands an event to the followers of the directory it is about
// and of the directory it is in. An event that names no watched directory
// (kqueue names those of a directory added through a symlink after the
// symlink's target) goes to every follower.
func (w *Watcher) dispatch(run *watchRun, ev fsnotify.Event) {
	name := filepath.Clean(ev.Name)
	w.mu.Lock()
	defer w.mu.Unlock()
	self, in := run.dirs[name], run.dirs[filepath.Dir(name)]
	if self == nil && in == nil {
		for s := range run.subs {
			s.notice(name, ev.Op)
		}
		return
	}
	for _, rec := range []*watchedDir{self, in} {
		if rec == nil {
			continue
		}
		for s := range rec.subs {
			s.notice(name, ev.Op)
		}
	}
}

// stopped ends the followers of a run whose watcher's channels were closed:
// by the Watcher (nothing to do), or by themselves, which ends them with
// an error. The next follower starts a new run.
func (w *Watcher) stopped(run *watchRun, lastErr error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if run.stopping {
		return
	}
	run.err = errors.New("logsink: file watcher stopped")
	if lastErr != nil {
		run.err = fmt.Errorf("logsink: file watcher stopped: %w", lastErr)
	}
	if w.run == run {
		w.run = nil
	}
	for s := range run.subs {
		s.end(run.err)
	}
	_ = run.w.Close()
}
