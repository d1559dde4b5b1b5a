package actors

import (
	"errors"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/fsnotify/fsnotify"

	"github.com/supers-dev/supers/config"
)

// watchDebounce is how long the config actor waits after the last file
// event before it reloads: an editor's save (write a temp file, rename it
// over the old one) causes one reload, not three.
const watchDebounce = 200 * time.Millisecond

// watchMaxWait bounds the debounce: a file that keeps changing (a program
// rewriting a file of its own in the config dir, faster than
// watchDebounce) must not postpone the reload for as long as it goes on.
const watchMaxWait = 2 * time.Second

// watchRescan is how often superd --watch compares the config dir's files
// with what the last reload found there (a stat of each: nothing is read or
// parsed unless one differs), for the changes no file event reports: a file
// changed by another host on a network file system, events lost in a way
// the kernel did not report. File events make reloads prompt; the rescan
// makes them certain (R14 of the reliability bar).
const watchRescan = 30 * time.Second

// rescanDue makes the config actor look at the config dir again (see
// watchRescan).
type rescanDue struct{}

// rescanDone is the look that rescanDue started: the dir's stamps
// (stampDir; nil if it could not be read), taken when c.scanned was at
// generation gen.
type rescanDone struct {
	stamps map[string]fileStamp
	gen    uint64
}

// fsChanged tells the config actor that something changed in the config dir
// (or the dir itself was replaced).
type fsChanged struct {
	rewatch bool // the dir itself was (re)created: watch it again
}

// debounceDue fires watchDebounce after the last fsChanged (at most
// watchMaxWait after the first one of a burst); it is stale unless epoch
// matches.
type debounceDue struct {
	epoch uint64
}

// watcher is the config actor's file-system watch: one fsnotify watcher on
// the config dir and its parent (so that the watch survives the dir being
// replaced), and one goroutine turning its events into messages. It is
// owned by the config actor, which closes it when it stops.
type watcher struct {
	fs   *fsnotify.Watcher
	done chan struct{}
}

func (c *configActor) startWatch(ctx actor.Context) {
	c.armRescan(ctx) // whatever becomes of the file events
	newWatcher := fsnotify.NewWatcher
	if c.newWatcher != nil {
		newWatcher = c.newWatcher
	}
	w, err := newWatcher()
	if err != nil {
		c.log.Error("cannot watch the config dir for file events; its changes are found by the rescan only (or supers reload)", "rescan_every", c.rescanInterval(), "err", err)
		return
	}
	dir := filepath.Clean(c.dir)
	if err := w.Add(filepath.Dir(dir)); err != nil {
		c.log.Warn("cannot watch the config dir's parent; replacing the dir will not be noticed", "err", err)
	}
	if err := w.Add(dir); err != nil {
		c.log.Error("cannot watch the config dir", "dir", dir, "err", err)
	} else if fi, err := os.Stat(dir); err == nil {
		c.watchedDir = fi
	}
	done := make(chan struct{})
	c.watch = &watcher{fs: w, done: done}
	self, root, log := ctx.Self(), ctx.ActorSystem().Root, c.log
	go func() {
		defer close(done)
		forwardWatch(w.Events, w.Errors, dir, func(m *fsChanged) { root.Send(self, m) }, log)
	}()
	c.log.Info("watching the config dir", "dir", dir)
	c.syncLinkWatch(ctx)
}

// rescanInterval is c.rescanEvery, or watchRescan if zero.
func (c *configActor) rescanInterval() time.Duration {
	if c.rescanEvery > 0 {
		return c.rescanEvery
	}
	return watchRescan
}

// armRescan has a rescanDue sent in c.rescanInterval.
func (c *configActor) armRescan(ctx actor.Context) {
	self, root := ctx.Self(), ctx.ActorSystem().Root
	c.rescan = time.AfterFunc(c.rescanInterval(), func() { root.Send(self, &rescanDue{}) })
}

// rescanned records in c.scanned how the API's write or removal of name's
// file left it, so that the next rescan does not take the API's own change
// for one it missed.
func (c *configActor) rescanned(name string) {
	if c.scanned == nil {
		return
	}
	if st, ok := stampOf(filepath.Join(c.dir, name+config.FileSuffix)); ok {
		c.scanned[name] = st
	} else {
		delete(c.scanned, name)
	}
	c.scannedGen++
}

// handleRescanDue stats the config dir's files off the actor, so that a
// hung mount holds up only the rescan (the next one waits for it), not
// the status queries and reloads.
func (c *configActor) handleRescanDue(ctx actor.Context) {
	c.rescan = nil
	if c.watchStopped || !c.watchDir {
		return
	}
	dir, gen, self, root := c.dir, c.scannedGen, ctx.Self(), ctx.ActorSystem().Root
	go func() { root.Send(self, &rescanDone{stamps: stampDir(dir), gen: gen}) }()
}

// handleRescanDone reloads, as a file event does, if the config dir's
// files differ from what the last reload found: added, removed, or
// changed (time, size or identity; a link's target's). A look overtaken
// by a reload (or an API write) is not compared with what that found; a
// dir that could not be read is left to the file events and the next
// rescan.
func (c *configActor) handleRescanDone(ctx actor.Context, m *rescanDone) {
	if c.watchStopped || !c.watchDir {
		return
	}
	if m.gen == c.scannedGen && m.stamps != nil && !sameStamps(m.stamps, c.scanned) && c.debounce == nil {
		c.log.Info("the config dir changed without a file event; reloading", "dir", c.dir)
		c.handleFsChanged(ctx, &fsChanged{})
	}
	c.armRescan(ctx)
}

// forwardWatch turns the events of the watch on dir and its parent into
// fsChanged messages for send, until events or errs is closed. An overflow
// of the kernel's queue lost events, maybe of service files or of the dir's
// replacement: it counts as both.
func forwardWatch(events <-chan fsnotify.Event, errs <-chan error, dir string, send func(*fsChanged), log *slog.Logger) {
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				return
			}
			switch {
			case filepath.Clean(ev.Name) == dir:
				send(&fsChanged{rewatch: ev.Has(fsnotify.Create) || ev.Has(fsnotify.Rename)})
			case filepath.Dir(ev.Name) == dir:
				send(&fsChanged{})
			}
		case err, ok := <-errs:
			if !ok {
				return
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				log.Warn("config dir watch lost events; reloading", "err", err)
				send(&fsChanged{rewatch: true}) // the lost events may include the dir's replacement
				continue
			}
			log.Warn("config dir watch error", "err", err)
		}
	}
}

func (c *configActor) handleFsChanged(ctx actor.Context, m *fsChanged) {
	if m.rewatch && c.watch != nil {
		// A new directory under the same name: watch it (a watch on a
		// removed dir is dropped by the kernel).
		switch err := c.watch.fs.Add(filepath.Clean(c.dir)); {
		case err == nil:
			if fi, err := os.Stat(c.dir); err == nil {
				c.watchedDir = fi
			}
		case errors.Is(err, fs.ErrNotExist):
			// Moved away or removed, not replaced (yet): the reload says
			// so, and the watch of the parent sees a new one made.
			c.log.Debug("the config dir is gone; watching for a new one", "dir", c.dir)
		case err != nil:
			c.log.Warn("cannot watch the new config dir", "dir", c.dir, "err", err)
		}
	}
	now := time.Now()
	if c.debounce != nil {
		c.debounce.Stop()
	} else {
		c.burstStart = now
	}
	// watchDebounce after this event, but no later than watchMaxWait after
	// the first event since the last reload.
	delay := max(min(watchDebounce, c.burstStart.Add(watchMaxWait).Sub(now)), 0)
	c.epoch++
	msg, self, root := &debounceDue{epoch: c.epoch}, ctx.Self(), ctx.ActorSystem().Root
	c.debounce = time.AfterFunc(delay, func() { root.Send(self, msg) })
}

func (c *configActor) handleDebounceDue(ctx actor.Context, m *debounceDue) {
	if m.epoch != c.epoch {
		return
	}
	c.debounce = nil
	c.watchReload(ctx)
}

// watchReload reloads after file events: as supers reload does, but a
// service whose file is missing stops only once the file has stayed
// missing for watchAbsentConfirm.
func (c *configActor) watchReload(ctx actor.Context) {
	if c.watchStopped {
		return
	}
	res, apply, err := c.reloadWith(ctx, true)
	if err != nil {
		c.log.Error("reload after a file change failed", "err", err)
		c.publishUnavailable(ctx, err)
		return
	}
	c.applyReload(ctx, res, apply, nil)
}

// stopWatch closes the watcher and waits for its goroutine.
func (c *configActor) stopWatch() {
	if c.rescan != nil {
		c.rescan.Stop()
		c.rescan = nil
	}
	if c.debounce != nil {
		c.debounce.Stop()
		c.debounce = nil
	}
	if c.absentTimer != nil {
		c.absentTimer.Stop()
		c.absentTimer = nil
	}
	c.closeLinkWatch()
	if c.watch != nil {
		_ = c.watch.fs.Close()
		<-c.watch.done
		c.watch = nil
	}
}

// fileWatch watches one file's name in its directory: one fsnotify watcher
// and one goroutine that sends its owner msg when the name is removed,
// renamed or created, or the directory itself removed or renamed (the
// watch then sees nothing more: its owner makes a new one). The owner
// closes it.
type fileWatch struct {
	fs   *fsnotify.Watcher
	done chan struct{}
}

// watchFile starts a fileWatch of path for the actor of ctx, or returns nil
// (logged) if it cannot.
func watchFile(path string, ctx actor.Context, msg any, log *slog.Logger) *fileWatch {
	path = filepath.Clean(path)
	dir := filepath.Dir(path)
	w, err := fsnotify.NewWatcher()
	if err == nil {
		if err = w.Add(dir); err != nil {
			_ = w.Close()
		}
	}
	if err != nil {
		log.Warn("cannot watch a file: its removal or replacement will not be noticed", "file", path, "err", err)
		return nil
	}
	fw := &fileWatch{fs: w, done: make(chan struct{})}
	self, root := ctx.Self(), ctx.ActorSystem().Root
	go func() {
		defer close(fw.done)
		for {
			select {
			case ev, ok := <-w.Events:
				if !ok {
					return
				}
				switch name := filepath.Clean(ev.Name); {
				case name == path && ev.Has(fsnotify.Remove|fsnotify.Rename|fsnotify.Create),
					name == dir && ev.Has(fsnotify.Remove|fsnotify.Rename):
					root.Send(self, msg)
				}
			case err, ok := <-w.Errors:
				if !ok {
					return
				}
				root.Send(self, msg) // events may have been lost: look
				log.Debug("file watch error", "file", path, "err", err)
			}
		}
	}()
	return fw
}

// close stops the watch and waits for its goroutine; nil does nothing.
func (w *fileWatch) close() {
	if w == nil {
		return
	}
	_ = w.fs.Close()
	<-w.done
}

// linkWatch is the other half of the watch (--watch) for service files
// that are symbolic links: one fsnotify watcher on the directories that
// hold, out of the config dir, the links on the way to those files and
// the files they resolve to, since a change there (the target edited, a
// "current" link switched to another release) is a change of the service
// file that the config dir's watch does not see. Owned by the config
// actor, which closes it when it stops.
type linkWatch struct {
	fs   *fsnotify.Watcher
	done chan struct{}
	// names holds, by watched directory, the names of its entries that
	// are on the way to a service file: only their events count. The
	// goroutine reads it (a busy directory raises many events that are
	// not worth a message); the config actor replaces it, never changes
	// it.
	names atomic.Pointer[map[string]map[string]bool]
	// files holds the service files (as the links resolve) that have
	// another name, each watched itself: an edit in place through that
	// other name raises no event in any directory watched. Owned by the
	// config actor.
	files map[string]bool
}

// wants reports whether the event of path concerns an entry on the way
// to a service file.
func (w *linkWatch) wants(path string) bool {
	names := w.names.Load()
	return names != nil && (*names)[filepath.Dir(path)][filepath.Base(path)]
}

// linkChanged carries an event of the linkWatch; name is "" when events
// may have been lost.
type linkChanged struct {
	name string
}

// maxLinkHops bounds the symbolic links followed to resolve one path, as
// the kernel does (ELOOP).
const maxLinkHops = 40

// linkChain returns, for name (a file name, or a relative path) in the
// directory dir (a real path, without symbolic links), the entries (by
// directory, then name) that the path goes through once it meets a
// symbolic link, up to the file it resolves to; nil when it meets none. A
// missing entry ends the chain: it is watched for, as it may come.
func linkChain(dir, name string) map[string]map[string]bool {
	out := make(map[string]map[string]bool)
	add := func(dir, name string) {
		if out[dir] == nil {
			out[dir] = make(map[string]bool)
		}
		out[dir][name] = true
	}
	resolved, comps, hops := dir, strings.Split(name, "/"), 0
	for len(comps) > 0 {
		c := comps[0]
		comps = comps[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			resolved = filepath.Dir(resolved)
			continue
		}
		next := filepath.Join(resolved, c)
		fi, err := os.Lstat(next)
		if err != nil {
			add(resolved, c)
			break
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			if len(comps) == 0 || hops > 0 && !sharedDir(resolved) {
				// The file itself, or a directory a link leads through:
				// moved aside and made again, it is another one. Not in
				// / or a sticky directory (/tmp): anyone's files come and
				// go there, each an event to look at, a burst of them an
				// overflow and a reload; such a move is the rescan's.
				add(resolved, c)
			}
			resolved = next
			continue
		}
		target, err := os.Readlink(next)
		if hops++; err != nil || hops > maxLinkHops {
			add(resolved, c)
			break
		}
		add(resolved, c)
		if filepath.IsAbs(target) {
			resolved = "/"
		}
		comps = append(strings.Split(target, "/"), comps...)
	}
	if hops == 0 {
		return nil
	}
	return out
}

// sharedDir reports whether dir is / or a sticky directory (such as /tmp),
// where others' files come and go.
func sharedDir(dir string) bool {
	if dir == "/" {
		return true
	}
	fi, err := os.Stat(dir)
	return err == nil && fi.Mode()&fs.ModeSticky != 0
}

// syncLinkWatch makes the linkWatch watch the directories linkChain gives
// for the service files of the config dir that are symbolic links, and
// superd.conf if it is one, and no other. It does nothing unless the config dir is watched.
func (c *configActor) syncLinkWatch(ctx actor.Context) {
	if c.watch == nil {
		return
	}
	c.rewatchDir()
	want := dirLinks(c.dir)
	files := make(map[string]bool)
	if real, err := filepath.EvalSymlinks(c.dir); err == nil {
		for _, file := range c.followedFiles() {
			for dir, names := range linkChain(real, file) {
				if dir == real {
					continue // the config dir's own watch sees it
				}
				if want[dir] == nil {
					want[dir] = make(map[string]bool)
				}
				maps.Copy(want[dir], names)
			}
			if path, ok := hardLinked(filepath.Join(real, file)); ok {
				files[path] = true
			}
		}
	}
	if c.links == nil {
		if len(want)+len(files) == 0 {
			return
		}
		w, err := fsnotify.NewWatcher()
		if err != nil {
			c.log.Warn("cannot watch the targets of symbolic links among the service files or on the way to the config dir; use supers reload after changing them", "err", err)
			return
		}
		lw := &linkWatch{fs: w, done: make(chan struct{})}
		c.links = lw
		self, root := ctx.Self(), ctx.ActorSystem().Root
		go func() {
			defer close(lw.done)
			for {
				select {
				case ev, ok := <-w.Events:
					if !ok {
						return
					}
					if lw.wants(ev.Name) {
						root.Send(self, &linkChanged{name: ev.Name})
					}
				case _, ok := <-w.Errors:
					if !ok {
						return
					}
					root.Send(self, &linkChanged{}) // events may have been lost: look
				}
			}
		}()
	}
	var had map[string]map[string]bool
	if p := c.links.names.Load(); p != nil {
		had = *p
	}
	for dir := range had {
		if want[dir] == nil {
			_ = c.links.fs.Remove(dir) // gone already, maybe
		}
	}
	// Every one again, not only the new ones: the kernel drops the watch
	// of a directory that was removed, and one made again under the same
	// name since the last sync (a release dir replaced in place) is
	// another directory, watched by no one. Adding a watched one again
	// changes nothing.
	for dir := range want {
		if err := c.links.fs.Add(dir); err != nil {
			c.log.Debug("cannot watch a directory on the way to a service file", "dir", dir, "err", err)
			delete(want, dir)
		}
	}
	for path := range c.links.files {
		if !files[path] {
			_ = c.links.fs.Remove(path) // gone already, maybe
		}
	}
	// Again too: a file replaced since (renamed over) is another one.
	for path := range files {
		if err := c.links.fs.Add(path); err != nil {
			c.log.Debug("cannot watch a service file that has another name", "file", path, "err", err)
			delete(files, path)
			continue
		}
		dir := filepath.Dir(path)
		if want[dir] == nil {
			want[dir] = make(map[string]bool)
		}
		want[dir][filepath.Base(path)] = true
	}
	c.links.files = files
	c.links.names.Store(&want)
}

// rewatchDir watches the config dir again if its path names another
// directory than the one watched: a link on the way was switched (a
// "current" link to a release), or the directory a link names was made
// again. The kernel's watch follows the directory it was added on, not the
// path, and the events of the new one would never come (the rescan alone
// would see its changes, 30 s late, each time).
func (c *configActor) rewatchDir() {
	fi, err := os.Stat(c.dir)
	if err != nil || c.watchedDir != nil && os.SameFile(fi, c.watchedDir) {
		return // gone (the parent's watch, the rescan see it back), or the same
	}
	dir := filepath.Clean(c.dir)
	_ = c.watch.fs.Remove(dir) // the old one's watch, if the kernel has not dropped it
	if err := c.watch.fs.Add(dir); err != nil {
		c.log.Warn("cannot watch the config dir its path names now", "dir", dir, "err", err)
		return
	}
	if c.watchedDir != nil {
		c.log.Info("the config dir's path names another directory: watching it", "dir", dir)
	}
	c.watchedDir = fi
}

// dirLinks returns the entries on the way to dir from its first symbolic
// link on (by their directory, then name: the links and the names their
// targets go through), which the link watch watches: switching a link, or
// making again the directory one names, changes the config dir without an
// event in the directory watched. Empty if no link is on the way.
func dirLinks(dir string) map[string]map[string]bool {
	out := make(map[string]map[string]bool)
	abs, err := filepath.Abs(dir)
	if err != nil {
		return out
	}
	comps := strings.Split(strings.TrimPrefix(abs, "/"), "/")
	parent := "/"
	for i, comp := range comps {
		next := filepath.Join(parent, comp)
		fi, err := os.Lstat(next)
		if err != nil {
			return out
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			if chain := linkChain(parent, filepath.Join(comps[i:]...)); chain != nil {
				return chain
			}
			return out
		}
		parent = next
	}
	return out
}

// hardLinked returns the file that path resolves to, if it is a regular
// file with more than one name (a hard link): watched by its directory,
// it would raise no event when written through another name.
func hardLinked(path string) (string, bool) {
	resolved, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", false
	}
	fi, err := os.Lstat(resolved)
	if err != nil || !fi.Mode().IsRegular() || linkCount(fi) < 2 {
		return "", false
	}
	return resolved, true
}

// handleLinkChanged reloads (debounced, as after an event of the config
// dir) if the event names an entry on the way to a service file.
func (c *configActor) handleLinkChanged(ctx actor.Context, m *linkChanged) {
	if c.links == nil || c.watch == nil {
		return
	}
	if m.name != "" && !c.links.wants(m.name) {
		return // no longer on the way to a service file
	}
	c.handleFsChanged(ctx, &fsChanged{})
}

// closeLinkWatch closes the linkWatch, if any, and waits for its
// goroutine.
func (c *configActor) closeLinkWatch() {
	if c.links == nil {
		return
	}
	_ = c.links.fs.Close()
	<-c.links.done
	c.links = nil
}
