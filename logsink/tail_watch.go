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

// watchedDir is a directory the run watches for some followers: those
// whose log file it holds (or would, being its deepest existing ancestor),
// and those whose directory it holds (guards: see watchSub.setGuard).
type watchedDir struct {
	id     os.FileInfo // what the path named when the watch was added
	subs   map[*watchSub]struct{}
	guards map[*watchSub]struct{}
}

// watchSub is one follower's use of a Watcher.
type watchSub struct {
	w      *Watcher
	run    *watchRun
	dir    string // the directory it watches; "" before the first watch
	guard  string // the directory above dir it watches too; "" if none
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
	if err := s.usable(); err != nil {
		return false, err
	}
	rec, added, err := s.run.ensure(d, fi)
	if err != nil {
		return false, err
	}
	if !added && s.dir == d {
		return false, nil
	}
	if s.dir != d {
		s.leave(s.dir, false)
		rec.subs[s] = struct{}{}
		s.dir = d
	}
	return true, nil
}

// setGuard makes s also watch g, the directory that holds the one it
// watches, whose FileInfo is fi: for the renaming or removal of g itself,
// or of the entry on the way to s's directory. A rename of an ancestor
// raises no event in the directories below it, whose watches follow
// them to their new place: a follower whose log dir (the directory
// holding its service's) is moved away, as an operator archiving the logs
// does, would wait for ever in the old file. Events about other entries
// of g are not handed to s. It reports whether anything changed, as watch
// does. A g that cannot be watched (not readable, the user's watches used
// up) is not an error: s goes on without a guard, as before there was
// one. A g that no longer exists is an error matching fs.ErrNotExist.
func (s *watchSub) setGuard(g string, fi os.FileInfo) (bool, error) {
	w := s.w
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := s.usable(); err != nil {
		return false, err
	}
	rec, added, err := s.run.ensure(g, fi)
	if errors.Is(err, fs.ErrNotExist) {
		return false, err
	}
	if err != nil {
		s.leave(s.guard, true)
		s.guard = ""
		return false, nil
	}
	if !added && s.guard == g {
		return false, nil
	}
	if s.guard != g {
		s.leave(s.guard, true)
		rec.guards[s] = struct{}{}
		s.guard = g
	}
	return true, nil
}

// usable returns why s cannot watch anything any more, or nil. The
// Watcher's lock must be held.
func (s *watchSub) usable() error {
	switch {
	case s.run.err != nil:
		return s.run.err
	case s.run.stopping || s.closed:
		return errWatcherClosed
	}
	return nil
}

// ensure makes sure the run watches the directory d, whose FileInfo is
// fi, and returns its record; added is true if the watch was added now.
// A d that no longer exists is an error matching fs.ErrNotExist. The
// Watcher's lock must be held.
func (run *watchRun) ensure(d string, fi os.FileInfo) (rec *watchedDir, added bool, err error) {
	rec = run.dirs[d]
	// A watch ends when its directory is removed or renamed (fsnotify drops
	// it before it reports that), and a new directory at the same path may
	// even reuse the old one's inode number.
	if rec != nil && rec.id != nil && slices.Contains(run.w.WatchList(), d) && os.SameFile(rec.id, fi) {
		return rec, false, nil
	}
	if rec != nil && slices.Contains(run.w.WatchList(), d) { // the same path names a new directory
		_ = run.w.Remove(d)
	}
	if err := run.w.Add(d); err != nil {
		if rec != nil {
			rec.id = nil // not watched any more
		}
		if errors.Is(err, fs.ErrNotExist) {
			return nil, false, err
		}
		return nil, false, watchError("watch "+d, err)
	}
	if rec == nil {
		rec = &watchedDir{subs: make(map[*watchSub]struct{}), guards: make(map[*watchSub]struct{})}
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
	return rec, true, nil
}

// leaveDir stops s watching its directory and its guard. The Watcher's
// lock must be held.
func (s *watchSub) leaveDir() {
	s.leave(s.dir, false)
	s.leave(s.guard, true)
	s.dir, s.guard = "", ""
}

// leave stops s watching d, as its directory or as its guard, and the run
// watching d if s was the last follower to. The Watcher's lock must be
// held.
func (s *watchSub) leave(d string, guard bool) {
	if d == "" {
		return
	}
	rec := s.run.dirs[d]
	if rec == nil {
		return
	}
	if guard {
		delete(rec.guards, s)
	} else {
		delete(rec.subs, s)
	}
	if len(rec.subs) == 0 && len(rec.guards) == 0 {
		delete(s.run.dirs, d)
		if s.run.err == nil && !s.run.stopping {
			_ = s.run.w.Remove(d) // may be gone with its directory
		}
	}
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
// and of the directory it is in, and to those that guard either, for an
// event in the guarded directory only if it names the entry on the way to
// their own directory. An event that names no watched directory
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
		for s := range rec.guards {
			if rec == self || isSameOrAncestor(name, s.dir) {
				s.notice(name, ev.Op)
			}
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
