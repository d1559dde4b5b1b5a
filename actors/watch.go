package actors

import (
	"errors"
	"io/fs"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/fsnotify/fsnotify"
)

// watchDebounce is how long the config actor waits after the last file
// event before it reloads: an editor's save (write a temp file, rename it
// over the old one) causes one reload, not three.
const watchDebounce = 200 * time.Millisecond

// watchMaxWait bounds the debounce: a file that keeps changing (a program
// rewriting a file of its own in the config dir, faster than
// watchDebounce) must not postpone the reload for as long as it goes on.
const watchMaxWait = 2 * time.Second

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
	w, err := fsnotify.NewWatcher()
	if err != nil {
		c.log.Error("cannot watch the config dir; use supers reload", "err", err)
		return
	}
	dir := filepath.Clean(c.dir)
	if err := w.Add(filepath.Dir(dir)); err != nil {
		c.log.Warn("cannot watch the config dir's parent; replacing the dir will not be noticed", "err", err)
	}
	if err := w.Add(dir); err != nil {
		c.log.Error("cannot watch the config dir", "dir", dir, "err", err)
	}
	done := make(chan struct{})
	c.watch = &watcher{fs: w, done: done}
	self, root, log := ctx.Self(), ctx.ActorSystem().Root, c.log
	go func() {
		defer close(done)
		forwardWatch(w.Events, w.Errors, dir, func(m *fsChanged) { root.Send(self, m) }, log)
	}()
	c.log.Info("watching the config dir", "dir", dir)
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
	res, apply, err := c.reloadWith(ctx, false, true)
	if err != nil {
		c.log.Error("reload after a file change failed", "err", err)
		return
	}
	c.applyReload(ctx, res, apply, nil)
}

// stopWatch closes the watcher and waits for its goroutine.
func (c *configActor) stopWatch() {
	if c.debounce != nil {
		c.debounce.Stop()
		c.debounce = nil
	}
	if c.absentTimer != nil {
		c.absentTimer.Stop()
		c.absentTimer = nil
	}
	if c.watch != nil {
		_ = c.watch.fs.Close()
		<-c.watch.done
		c.watch = nil
	}
}

// fileWatch watches one file's name in its directory: one fsnotify watcher
// and one goroutine that sends its owner msg when the name is removed,
// renamed or created. The owner closes it.
type fileWatch struct {
	fs   *fsnotify.Watcher
	done chan struct{}
}

// watchFile starts a fileWatch of path for the actor of ctx, or returns nil
// (logged) if it cannot.
func watchFile(path string, ctx actor.Context, msg any, log *slog.Logger) *fileWatch {
	path = filepath.Clean(path)
	w, err := fsnotify.NewWatcher()
	if err == nil {
		if err = w.Add(filepath.Dir(path)); err != nil {
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
				if filepath.Clean(ev.Name) == path && ev.Has(fsnotify.Remove|fsnotify.Rename|fsnotify.Create) {
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
