package actors

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/fsnotify/fsnotify"

	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/notify"
	"github.com/supers-dev/supers/transport"
)

// configActor is the config watcher: the one owner of superd's view of
// <config-dir>. It reads and parses the *.service files (disk I/O stays off
// the services supervisor), computes what changed against what it loaded
// before — by the hash of the parsed configuration, so a comment or
// whitespace edit is not a change — and hands the difference to the
// services supervisor, which applies it. Services defined in Go (no file)
// are never touched by a reload.
type configActor struct {
	dir      string
	lock     *config.DirLock // dir's lock, nil without one (tests)
	foreign  string          // what relock last found and logged of a lock of dir it ignores (see config.DirLock.Foreign); "" if none
	services *actor.PID
	events   *actor.PID // the event hub, or nil
	log      *slog.Logger
	// daemonOverrides are superd.conf's [Daemon] keys that check does not
	// judge against the machine (Config.DaemonOverrides).
	daemonOverrides []string

	known  map[string]*config.Service // what the services supervisor was given, by name
	stamps map[string]fileStamp       // each loaded file as it was when loaded
	errs   []error                    // file errors of the last scan
	// daemonErr is why superd.conf did not load at the last reload (the
	// webhooks in force were kept), nil if it loaded; the control API
	// lists it with errs.
	daemonErr error
	// createErrs holds, by name, why a service whose file loaded could not
	// be created (its log directory refused, say), until it is created or
	// its file is gone; the control API lists them with errs.
	createErrs map[string]*creationError
	// loadStamps are the dir's files as they were before the first load
	// read them, until Started has used them.
	loadStamps map[string]fileStamp

	// changes (nil if unavailable) tells which files had an event since
	// the last look; verified caches, by name, whether a file differed
	// from its stamp when last checked, for files without an event since
	// and whose changes all raise one (dirChanges.watch).
	changes  *dirChanges
	verified map[string]bool
	// refused holds, by name, the error of a known service's file that
	// changed since it was loaded and that the ownership rule refuses now
	// (see stale, which keeps it).
	refused map[string]error
	// checkLogDir, if not nil, says why the log directory of the service
	// name would be refused (see keepUnlogged).
	checkLogDir func(name string) error
	statFile    func(path string) (fileStamp, bool) // stale's stat; nil means stampOf (tests count calls)
	// hostCheck, if not nil, checks a valid service against this machine
	// (see hostChecker), for a check's reply (see reloadOutcome).
	hostCheck func(*config.Service) error
	loadDir   func(dir string) ([]*config.Service, []error) // reload's config.LoadDir; tests make it fail

	daemonHash  string          // Hash of the superd.conf in force (it covers the CAFile= contents)
	hookKeys    map[string]bool // the webhookKey of every webhook in force
	hooks       *queueSet       // where the webhook queues it makes are recorded (see queueSet)
	startDaemon *config.Daemon  // superd.conf as it was at start, whose [Daemon] settings are in force; nil if none
	// warnedDaemon is the Hash of the superd.conf whose changed [Daemon]
	// settings were last logged: each change is logged once.
	warnedDaemon string
	version      string // superd's version, for the webhooks' User-Agent

	watchDir   bool        // reload on file events (superd --watch)
	watch      *watcher    // nil unless watching
	watchedDir os.FileInfo // the directory c.dir named when its watch was added (nil: none yet)
	debounce   *time.Timer // pending reload after file events
	burstStart time.Time   // first file event since the last reload, while debounce is pending
	epoch      uint64      // makes a fired debounce timer stale
	// scanned holds the dir's files as the last reload found them, before
	// it read them (stampDir), and as the API's writes left them since;
	// rescan, while watching, compares the dir with it every rescanEvery
	// (watchRescan if zero).
	scanned     map[string]fileStamp
	scannedGen  uint64      // counts the changes of scanned
	rescan      *time.Timer // pending rescanDue; nil while a look runs
	rescanEvery time.Duration
	newWatcher  func() (*fsnotify.Watcher, error) // fsnotify.NewWatcher if nil (tests make it fail)
	// absentSince holds, by name, when a reload of the watch first found
	// the file of a known service missing: the service is removed only
	// once a later one finds it still missing watchAbsentConfirm after.
	// absentTimer, if not nil, makes that later reload.
	absentSince map[string]time.Time
	absentTimer *time.Timer
	// hooksDroppedSince is when a reload of the watch first found
	// superd.conf without some of the webhooks in force (zero if none
	// did): they are removed only once a later one finds them still gone
	// watchAbsentConfirm after (see holdDroppedHooks).
	hooksDroppedSince time.Time
	links             *linkWatch // nil unless watching service files that are symbolic links
	// watchStopped is set by stopWatching: the shutdown has begun, and
	// file events reload nothing any more.
	watchStopped bool
	// reported holds, by file, the errors of the config-error event last
	// published for it (see publishConfigErrors).
	reported map[string]string
}

// fileStamp identifies a version of a file on disk.
type fileStamp struct {
	mod  time.Time
	size int64
	// id identifies the file itself (device and inode, as os.SameFile
	// compares them): a file replaced by another of the same time and size
	// (unpacked from an archive with fixed times, a symlink switched to
	// another target) differs. Zero where the system gives none.
	id fileID
}

func stampOf(path string) (fileStamp, bool) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}, false
	}
	return fileStamp{mod: fi.ModTime(), size: fi.Size(), id: fileIDOf(fi)}, true
}

// same reports whether s and o are the same version of a file.
func (s fileStamp) same(o fileStamp) bool {
	return s.mod.Equal(o.mod) && s.size == o.size && (s.id == fileID{} || o.id == fileID{} || s.id == o.id)
}

// stamp records the current version of name's file.
func (c *configActor) stamp(sp *config.Service) {
	if sp.File == "" {
		return
	}
	st, ok := stampOf(sp.File)
	c.setStamp(sp.Name, st, ok)
}

// setStamp records st (if ok) as the version of name's file that is
// loaded. A load stats its files before it reads them: a file changed
// while it is read then differs from its stamp, and shows as changed.
func (c *configActor) setStamp(name string, st fileStamp, ok bool) {
	if ok {
		c.stamps[name] = st
	}
	delete(c.verified, name)
}

// sameStamps reports whether a and b stamp the same files the same way.
func sameStamps(a, b map[string]fileStamp) bool {
	if len(a) != len(b) {
		return false
	}
	for name, st := range a {
		if o, ok := b[name]; !ok || !st.same(o) {
			return false
		}
	}
	return true
}

// daemonStamp is the key of superd.conf's stamp in stampDir's map: no
// service name has a slash.
const daemonStamp = "/" + config.DaemonFile

// stampDir returns the stamp of every NAME.service file of dir, by name,
// and of superd.conf (daemonStamp).
func stampDir(dir string) map[string]fileStamp {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil // the load reports it
	}
	out := make(map[string]fileStamp, len(entries))
	for _, e := range entries {
		name, ok := cutServiceFile(e.Name())
		if e.Name() == config.DaemonFile {
			name, ok = daemonStamp, true
		}
		if ok {
			if st, ok := stampOf(filepath.Join(dir, e.Name())); ok {
				out[name] = st
			}
		}
	}
	return out
}

// openChanges starts watching the config dir for changes, unless it is
// watched already; quiet logs a failure at debug level only.
func (c *configActor) openChanges(quiet bool) {
	if c.changes != nil || c.dir == "" {
		return
	}
	d, err := newDirChanges(c.dir)
	if err != nil {
		if !errors.Is(err, errors.ErrUnsupported) {
			level := slog.LevelInfo
			if quiet {
				level = slog.LevelDebug
			}
			c.log.Log(context.Background(), level, "status queries stat every service file", "reason", err)
		}
		return
	}
	c.changes = d
	c.verified = make(map[string]bool)
	if err := d.mountPollErr(); err != nil {
		c.log.Info("status queries miss a file mounted over a service file until the next reload", "reason", err)
	}
}

// closeChanges stops watching the config dir; stale stats every file from
// then on.
func (c *configActor) closeChanges() {
	if c.changes == nil {
		return
	}
	if err := c.changes.close(); err != nil {
		c.log.Debug("close the config dir's inotify", "err", err)
	}
	c.changes, c.verified = nil, nil
}

// takeChanges forgets the cached result of every file that had an event.
func (c *configActor) takeChanges() {
	if c.changes == nil {
		return
	}
	ev, err := c.changes.drain()
	switch {
	case err != nil || ev.gone || !c.changes.sameDir():
		c.log.Debug("the config dir's watch ended, or its path names another dir; status queries stat every service file until the next reload", "err", err)
		c.closeChanges()
		return
	case ev.overflow:
		clear(c.verified)
	}
	for _, n := range ev.names {
		if name, ok := cutServiceFile(n); ok {
			delete(c.verified, name)
		}
	}
}

// Receive implements actor.Actor.
func (c *configActor) Receive(ctx actor.Context) {
	switch ctx.Message().(type) {
	case *reloadConfig, *debounceDue, *absentDue, *putDefinition, *deleteDefinition, *unknownCommand, *addFailed:
		// They may change the services known, or where their files lead.
		defer c.syncLinkWatch(ctx)
	}
	switch m := ctx.Message().(type) {
	case *actor.Started:
		if c.startDaemon != nil {
			c.daemonHash = c.startDaemon.Hash
		}
		c.hookKeys = keySet(webhookKeys(c.startDaemon))
		c.openChanges(false) // before the stamps: no change after them goes unseen
		c.stamps = make(map[string]fileStamp, len(c.known))
		for _, sp := range c.known {
			// As the file was before the load read it: a change made
			// since shows.
			if st, ok := c.loadStamps[sp.Name]; ok && sp.File == filepath.Join(c.dir, sp.Name+config.FileSuffix) {
				c.setStamp(sp.Name, st, true)
			} else {
				c.stamp(sp)
			}
		}
		c.scanned = c.loadStamps
		if c.scanned == nil && c.watchDir {
			c.scanned = stampDir(c.dir)
		}
		if c.watchDir {
			c.startWatch(ctx)
			if c.loadStamps != nil && !sameStamps(c.loadStamps, stampDir(c.dir)) {
				// Changed between the load and the watch: no event will
				// say so.
				c.log.Info("the config dir changed while superd started; reloading")
				c.handleFsChanged(ctx, &fsChanged{})
			}
		}
		c.loadStamps = nil
		c.publishConfigErrors(ctx, allConfigErrors(c.errs), true)
	case *actor.Stopping:
		c.stopWatch()
		c.closeChanges()
	case *fsChanged:
		c.handleFsChanged(ctx, m)
	case *debounceDue:
		c.handleDebounceDue(ctx, m)
	case *absentDue:
		c.handleAbsentDue(ctx)
	case *rescanDue:
		c.handleRescanDue(ctx)
	case *rescanDone:
		c.handleRescanDone(ctx, m)
	case *stopWatching:
		c.stopWatch()
		c.watchStopped = true
	case *linkChanged:
		c.handleLinkChanged(ctx, m)
	case *staleQuery:
		m.reply <- c.stale(m.names)
	case *reloadConfig:
		if m.dryRun {
			res, valid, err := c.check() // publishes nothing
			m.reply <- reloadOutcome{result: res, err: err, valid: valid, hostCheck: c.hostCheck}
			return
		}
		res, apply, err := c.reload(ctx)
		if err != nil || apply == nil {
			if err != nil {
				c.publishUnavailable(ctx, err)
			}
			m.reply <- reloadOutcome{result: res, err: err}
			return
		}
		c.applyReload(ctx, res, apply, func(res transport.ReloadResult) { m.reply <- reloadOutcome{result: res} })
	case *addsSettled:
		m.then(ctx, m.failed)
	case *configErrorsQuery:
		m.reply <- c.loadErrors()
	case *unknownCommand:
		c.loadOnDemand(ctx, m)
	case *addFailed:
		c.handleAddFailed(ctx, m)
	case *getDefinition:
		c.handleGetDefinition(m)
	case *putDefinition:
		c.handlePutDefinition(ctx, m)
	case *deleteDefinition:
		c.handleDeleteDefinition(ctx, m)
	}
}

// dirScan is what a reload or a check reads of the config dir.
type dirScan struct {
	res    transport.ReloadResult // with the files' errors
	specs  []*config.Service      // the services whose files loaded
	errs   []error                // the files' errors
	daemon *config.Daemon         // superd.conf, if it loaded
	derr   error                  // why superd.conf did not load
	before map[string]fileStamp   // the files as they were before the load read them
}

// scan reads the config dir, for reload and check. A missing or unreadable
// directory is an error wrapping transport.ErrConfigUnavailable.
func (c *configActor) scan() (dirScan, error) {
	s := dirScan{res: transport.ReloadResult{Added: []string{}, Removed: []string{}, Changed: []string{}, Unchanged: []string{}, Errors: []transport.ConfigError{}}}
	if c.dir == "" {
		return s, fmt.Errorf("%w: superd has no config dir", transport.ErrConfigUnavailable)
	}
	c.openChanges(true) // again if the dir was replaced; before the stamps
	if err := c.relock(); err != nil {
		return s, err
	}
	loadDir := config.LoadDir
	if c.loadDir != nil {
		loadDir = c.loadDir
	}
	s.before = stampDir(c.dir) // before the files are read
	specs, errs := loadDir(c.dir)
	for _, err := range errs {
		if errors.Is(err, config.ErrServiceDir) {
			// Missing, or unreadable (even for a moment: out of
			// descriptors, say): not an empty directory, which would stop
			// every service.
			return s, fmt.Errorf("%w: %w (nothing was changed)", transport.ErrConfigUnavailable, err)
		}
	}
	s.specs, s.errs = c.keepUnlogged(specs, errs)
	s.res.Errors = append(s.res.Errors, allConfigErrors(s.errs)...)
	s.daemon, s.derr = config.LoadDaemon(c.dir)
	if s.derr != nil {
		// The webhooks in force stay as they are.
		s.res.Errors = append(s.res.Errors, configErrors(s.derr)...)
	}
	return s, nil
}

// check validates the config dir as a reload would, and applies nothing.
// It returns the services whose files are valid, for their check against
// the machine, which the caller runs (see checkServicesHost).
func (c *configActor) check() (transport.ReloadResult, []*config.Service, error) {
	s, err := c.scan()
	if err != nil {
		return s.res, nil, err
	}
	res := s.res
	if s.derr == nil {
		// What superd would need to start again with this file (the
		// machine's part, and the rules between its keys).
		if err := s.daemon.CheckHost(c.daemonOverrides...); err != nil {
			res.Errors = append(res.Errors, configErrors(err)...)
		}
	}
	var valid []*config.Service
	for _, sp := range s.specs {
		if err := c.goClash(sp); err != nil {
			res.Errors = append(res.Errors, configErrors(err)...)
			continue
		}
		// A file that loads but whose service could not be created
		// (the next reload tries again): not fine yet.
		if e := c.createErrs[sp.Name]; e != nil {
			res.Errors = append(res.Errors, e.configError())
			continue
		}
		valid = append(valid, sp)
	}
	return res, valid, nil
}

// reload scans the directory and returns the difference for applyReload
// (nil on an error). A missing or unreadable directory changes nothing:
// it is an error, not an instruction to stop everything.
func (c *configActor) reload(ctx actor.Context) (transport.ReloadResult, *applyConfig, error) {
	return c.reloadWith(ctx, false)
}

// reloadWith is reload; with confirmAbsence (a reload of the watch), a
// known service whose file is missing is removed only if it was missing
// watchAbsentConfirm ago already (see holdAbsent).
func (c *configActor) reloadWith(ctx actor.Context, confirmAbsence bool) (transport.ReloadResult, *applyConfig, error) {
	s, err := c.scan()
	res, specs, errs, daemon, derr, before := s.res, s.specs, s.errs, s.daemon, s.derr, s.before
	if err != nil {
		return res, nil, err
	}
	c.scanned = before
	c.scannedGen++
	c.daemonErr = derr
	if derr != nil {
		// Said in superd's own log too, as a service file's error is: a
		// reload by SIGHUP or --watch has no other output.
		c.log.Error("superd.conf not applied; the webhooks in force are kept", "err", derr)
	}
	if derr == nil && c.startDaemon != nil {
		keys := slices.DeleteFunc(c.startDaemon.ChangedSettings(daemon), func(k string) bool {
			return slices.Contains(c.daemonOverrides, k) // what the file says of it does not count
		})
		if len(keys) == 0 {
			c.warnedDaemon = "" // back as at start: a later change is a new one
		}
		if len(keys) > 0 {
			warning := "superd.conf: the [Daemon] settings changed since superd started (" + strings.Join(keys, ", ") +
				"); they take effect when superd restarts, where no command-line flag sets them"
			res.Warnings = append(res.Warnings, warning)
			if daemon.Hash != c.warnedDaemon {
				// Once per change, not at every reload of the watch.
				c.log.Warn(warning)
				c.warnedDaemon = daemon.Hash
			}
		}
	}
	if derr != nil || daemon.Hash == c.daemonHash || !confirmAbsence {
		// No drop to confirm: kept, back, or applied at once.
		if !c.hooksDroppedSince.IsZero() && derr == nil && daemon.Hash == c.daemonHash {
			c.log.Info("superd.conf back: its webhooks were not removed")
		}
		c.hooksDroppedSince = time.Time{}
	}
	if derr == nil {
		if version := daemon.Hash; version != c.daemonHash {
			// Only the webhooks that changed are replaced: the others keep
			// their queues, and what those hold.
			keys := keySet(webhookKeys(daemon))
			if confirmAbsence && c.holdDroppedHooks(ctx, keys, time.Now()) {
				// Gone for a moment, maybe: kept until the next look.
			} else if maps.Equal(keys, c.hookKeys) {
				c.daemonHash = version // [Daemon] or comments only
			} else if queues, added, err := webhookQueues(daemon, c.hookKeys, c.version, c.log); err != nil {
				res.Errors = append(res.Errors, configErrors(err)...)
			} else {
				removed := droppedHooks(c.hookKeys, keys)
				c.daemonHash, c.hookKeys = version, keys
				c.hooks.add(queues...)
				ctx.Send(c.events, &replaceNotifiers{keep: keys, queues: queues, keys: added})
				res.WebhooksReloaded = true
				if daemon.File == "" && len(removed) > 0 {
					// The file went, and the alerting with it: said
					// apart, as "reloaded" alone would hide it.
					warning := "superd.conf is gone: its webhooks were removed: " + strings.Join(removed, ", ") +
						"; no event is sent to them until superd.conf defines them again"
					res.Warnings = append(res.Warnings, warning)
					c.log.Warn("superd.conf gone: its webhooks were removed", "removed", removed)
				} else {
					c.log.Info("superd.conf reloaded", "webhooks", len(daemon.Webhooks), "replaced_or_added", len(added), "removed", removed)
				}
			}
		}
	}
	// The services of the files that did not load, or whose service could
	// not be created, at the last look: none exists, but the state file
	// may hold the operator's stop or start of one, from before superd
	// restarted.
	unloaded := c.unloadedNames()
	c.errs = errs
	c.pruneCreateErrs(specs)
	failed := failedNames(errs) // they keep their previous configuration
	fresh := make(map[string]*config.Service, len(specs))
	for _, sp := range specs {
		fresh[sp.Name] = sp
		// Loaded now (changed or not): the file, as it was before the load
		// read it, matches what runs.
		if st, ok := before[sp.Name]; ok {
			c.setStamp(sp.Name, st, true)
		} else {
			c.stamp(sp) // created during the load
		}
	}
	var apply applyConfig
	now, absent := time.Now(), c.absentSince
	c.absentSince = nil
	for name := range absent {
		_, loaded := c.known[name]
		if !loaded {
			// A file that did not load, held as missing for a moment by
			// the last look: no error names it now.
			unloaded[name] = true
		}
		switch {
		case fresh[name] == nil && !failed[name]:
		case loaded:
			c.log.Info("service file back: its service was not stopped", "service", name)
		default:
			c.log.Info("service file back: what the state file holds of it was kept", "service", name)
		}
	}
	// A missing file found under another name of the dir, new to it,
	// was renamed, and is no absence to confirm.
	renamed := func(name string) bool {
		st, ok := c.stamps[name]
		return ok && renamedTo(st, name, before, c.known)
	}
	for name, old := range c.known {
		if old.File == "" {
			continue // defined in Go: not the config dir's business
		}
		sp, ok := fresh[name]
		switch {
		case !ok && failed[name]:
			// Kept on its previous configuration, and reported in
			// Errors: not unchanged, since its file did change.
		case !ok && confirmAbsence && !renamed(name) && c.holdAbsent(ctx, name, absent, now):
			// Gone for a moment, maybe: kept until the next look.
		case !ok:
			res.Removed = append(res.Removed, name)
			apply.removed = append(apply.removed, name)
			c.changes.forget(old.File)
			delete(c.known, name)
			delete(c.stamps, name)
		case sp.Hash != old.Hash:
			res.Changed = append(res.Changed, name)
			apply.changed = append(apply.changed, sp)
			c.known[name] = sp
		default:
			res.Unchanged = append(res.Unchanged, name)
		}
	}
	for name := range unloaded {
		if fresh[name] == nil && !failed[name] && c.known[name] == nil {
			if confirmAbsence && c.holdAbsent(ctx, name, absent, now) {
				// Gone for a moment, maybe (an editor saving it fixed):
				// its recorded stop or start is kept until the next look.
				continue
			}
			// Its file is gone: what the state file holds of that name
			// goes too, as for a service removed. A service defined
			// later under that name is a new one.
			apply.removed = append(apply.removed, name)
		}
	}
	for _, sp := range specs {
		if err := c.goClash(sp); err != nil {
			// The program embedding the supervisor defines that name: its
			// service stays, and the file is an error until removed.
			res.Errors = append(res.Errors, configErrors(err)...)
			c.errs = append(c.errs, err)
			c.log.Warn("service file ignored", "err", err)
			continue
		}
		if _, ok := c.known[sp.Name]; !ok && !slices.Contains(res.Removed, sp.Name) {
			res.Added = append(res.Added, sp.Name)
			apply.added = append(apply.added, sp)
			c.known[sp.Name] = sp
		}
	}
	for _, l := range [][]string{res.Added, res.Removed, res.Changed, res.Unchanged} {
		slices.Sort(l)
	}
	for _, err := range errs {
		c.log.Error("service file skipped", "err", err)
	}
	return res, &apply, nil
}

// keepUnlogged moves out of specs the services that changed and whose log
// directory would be refused (checkLogDir): replaced, the service would be
// stopped, and the new one not created, its logs not opened. Each becomes
// an error of its file instead, so that the service goes on as it was, as
// for a file that does not load, until a reload finds its directory
// fixed.
func (c *configActor) keepUnlogged(specs []*config.Service, errs []error) ([]*config.Service, []error) {
	if c.checkLogDir == nil {
		return specs, errs
	}
	kept := specs[:0]
	for _, sp := range specs {
		if old, ok := c.known[sp.Name]; ok && old.File != "" && old.Hash != sp.Hash {
			if err := c.checkLogDir(sp.Name); err != nil {
				errs = append(errs, &config.Error{File: sp.File, Err: fmt.Errorf("not applied, the service goes on as it was: %w", err)})
				continue
			}
		}
		kept = append(kept, sp)
	}
	return kept, errs
}

// failedNames returns the services whose file errs says did not load.
func failedNames(errs []error) map[string]bool {
	failed := make(map[string]bool)
	for _, err := range errs {
		var e *config.Error
		if errors.As(err, &e) {
			if name, ok := cutServiceFile(e.File); ok {
				failed[name] = true
			}
		}
	}
	return failed
}

// unloadedNames returns the services of the files that did not load, or
// whose service could not be created, at the last look, and that have no
// service now.
func (c *configActor) unloadedNames() map[string]bool {
	names := failedNames(c.errs)
	for name := range c.createErrs {
		names[name] = true
	}
	for name := range names {
		if c.known[name] != nil {
			delete(names, name)
		}
	}
	return names
}

// followedFiles returns the names, in the config dir, of superd.conf and
// of the service files a change of which a reload would apply: those of
// the services known, and those that did not load, or whose service
// could not be created, at the last look (a target fixed or created, out
// of the dir, must be seen as well as an edit of a known one).
func (c *configActor) followedFiles() []string {
	dir := filepath.Clean(c.dir)
	files := []string{config.DaemonFile} // its webhooks too
	seen := make(map[string]bool, len(c.known))
	add := func(file string) {
		if file != "" && filepath.Dir(file) == dir && !seen[file] {
			seen[file] = true
			files = append(files, filepath.Base(file))
		}
	}
	for _, sp := range c.known {
		add(sp.File)
	}
	for _, err := range c.errs {
		var e *config.Error
		if errors.As(err, &e) {
			if _, ok := cutServiceFile(e.File); ok {
				add(e.File)
			}
		}
	}
	for _, e := range c.createErrs {
		add(e.file)
	}
	return files
}

// renamedTo reports whether the file of service name, last seen as st,
// is now under another service name of the dir (before, by name) that was
// not a service already (known): the same file (device and inode) with
// the same modification time and size, as a rename leaves it. The same
// inode alone is not enough: a file removed frees its inode, which the
// file system may give at once to a new file of the dir; that removal is
// still an absence to confirm. Nor is a name known already: two service
// files may be links to one file, and one of them missing for a moment
// was not renamed to the other.
func renamedTo(st fileStamp, name string, before map[string]fileStamp, known map[string]*config.Service) bool {
	if st.id == (fileID{}) {
		return false
	}
	for other, now := range before {
		if other != name && other != daemonStamp && known[other] == nil && now.id == st.id && now.same(st) {
			return true
		}
	}
	return false
}

// watchAbsentConfirm is how long the file of a service must stay missing
// before a reload of the watch removes the service: a file deleted and
// written again (by a tool, or by hand, in two steps slower than
// watchDebounce) does not stop and start its service. An explicit reload
// removes it at once.
const watchAbsentConfirm = time.Second

// absentDue asks the config actor for the reload that confirms the
// absence of the files that holdAbsent kept.
type absentDue struct{}

// stopWatching tells the config actor that the shutdown has begun: it
// stops watching the config dir, and a file event or timer already queued
// reloads nothing (the services supervisor would ignore what it found,
// but the reload would still be logged and published).
type stopWatching struct{}

// holdAbsent reports whether the service name, whose file a reload of the
// watch found missing, must be kept for now: its file was not missing
// (according to was, the previous absentSince) watchAbsentConfirm before
// now. It records when the file was first found missing, and makes sure a
// reload looks again once that time has passed.
func (c *configActor) holdAbsent(ctx actor.Context, name string, was map[string]time.Time, now time.Time) bool {
	since, ok := was[name]
	if !ok {
		since = now
		if _, loaded := c.known[name]; loaded {
			c.log.Info("service file missing: its service stops unless the file is back soon", "service", name, "within", watchAbsentConfirm)
		} else {
			c.log.Info("service file that did not load missing: what the state file holds of it goes unless the file is back soon", "service", name, "within", watchAbsentConfirm)
		}
	}
	if now.Sub(since) >= watchAbsentConfirm {
		return false
	}
	if c.absentSince == nil {
		c.absentSince = make(map[string]time.Time)
	}
	c.absentSince[name] = since
	c.lookAgain(ctx, since.Add(watchAbsentConfirm).Sub(now))
	return true
}

// lookAgain makes sure a reload of the watch (absentDue) comes within d,
// to confirm an absence.
func (c *configActor) lookAgain(ctx actor.Context, d time.Duration) {
	if c.absentTimer == nil && ctx != nil {
		self, root := ctx.Self(), ctx.ActorSystem().Root
		c.absentTimer = time.AfterFunc(d, func() { root.Send(self, &absentDue{}) })
	}
}

// holdDroppedHooks reports whether a reload of the watch must keep the
// webhooks in force for now, although superd.conf (keys: its webhooks)
// no longer has some of them (by name): it had them until less than
// watchAbsentConfirm before now. As for a service file (holdAbsent), an
// editor that empties the file and then writes it, in two steps slower
// than watchDebounce, or a tool that deletes and writes it again, must not
// remove a webhook and add it back, losing the events in between. The
// next reload of the watch confirms the removal.
func (c *configActor) holdDroppedHooks(ctx actor.Context, keys map[string]bool, now time.Time) bool {
	// A webhook only changed (same name) is not dropped: it is replaced
	// at once.
	if len(droppedHooks(c.hookKeys, keys)) == 0 {
		c.hooksDroppedSince = time.Time{}
		return false
	}
	if c.hooksDroppedSince.IsZero() {
		c.hooksDroppedSince = now
		c.log.Info("superd.conf has lost webhooks in force: they are removed unless they are back soon", "within", watchAbsentConfirm)
	}
	if now.Sub(c.hooksDroppedSince) >= watchAbsentConfirm {
		c.hooksDroppedSince = time.Time{}
		return false
	}
	c.lookAgain(ctx, c.hooksDroppedSince.Add(watchAbsentConfirm).Sub(now))
	return true
}

// droppedHooks returns, sorted, the names of the webhooks of old (their
// webhookKey) that keys has under no key: those a reload removes. A
// webhook only changed (same name) is not dropped: it is replaced.
func droppedHooks(old, keys map[string]bool) []string {
	names := make(map[string]bool, len(keys))
	for k := range keys {
		names[keyName(k)] = true
	}
	var dropped []string
	for k := range old {
		if name := keyName(k); !names[name] && !slices.Contains(dropped, name) {
			dropped = append(dropped, name)
		}
	}
	slices.Sort(dropped)
	return dropped
}

// handleAbsentDue reloads, as the watch does, to confirm the absence of
// the files holdAbsent kept.
func (c *configActor) handleAbsentDue(ctx actor.Context) {
	c.absentTimer = nil
	if len(c.absentSince) == 0 && c.hooksDroppedSince.IsZero() {
		return // a reload since settled them
	}
	c.watchReload(ctx)
}

// applyReload has the services supervisor apply what a reload found, and
// once the services it adds are created, reports the reload: in superd's
// log, as an event, and to done (if not nil). A service that could not be
// created (its log directory refused, say) is not reported added but as
// an error, and the next reload tries again.
func (c *configActor) applyReload(ctx actor.Context, res transport.ReloadResult, apply *applyConfig, done func(transport.ReloadResult)) {
	files := make(map[string]string, len(apply.added))
	for _, spec := range apply.added {
		files[spec.Name] = spec.File
	}
	report := func(ctx actor.Context, failed map[string]error) {
		if len(failed) > 0 {
			res.Added = slices.DeleteFunc(res.Added, func(name string) bool { return failed[name] != nil })
			for _, name := range slices.Sorted(maps.Keys(failed)) {
				res.Errors = append(res.Errors, (&creationError{file: files[name], name: name, err: failed[name]}).configError())
				c.log.Error("service not created", "err", failed[name])
			}
		}
		_, wasUnavailable := c.reported[c.dir]
		c.publishConfigErrors(ctx, res.Errors, true)
		if wasUnavailable && c.dir != "" {
			// Its error was logged (and published): its end is logged
			// too, which a reload that changed nothing logs only at
			// Debug.
			c.log.Info("the config dir can be loaded again", "dir", c.dir)
		}
		if len(res.Added)+len(res.Removed)+len(res.Changed) > 0 {
			ev := notify.NewEvent(notify.TypeReload, "")
			ev.Added, ev.Removed, ev.Changed = res.Added, res.Removed, res.Changed
			publish(ctx, c.events, ev)
		}
		// A reload that the watch made and that changed nothing (a file
		// other than a definition touched, the default log dir created
		// under the config dir) is not worth an Info record.
		level := slog.LevelInfo
		if done == nil && len(res.Added)+len(res.Removed)+len(res.Changed)+len(res.Errors) == 0 {
			level = slog.LevelDebug
		}
		c.log.Log(context.Background(), level, "configuration reloaded", "added", res.Added, "removed", res.Removed, "changed", res.Changed,
			"unchanged", len(res.Unchanged), "errors", len(res.Errors))
		if done != nil {
			done(res)
		}
	}
	if len(apply.added)+len(apply.removed)+len(apply.changed) == 0 {
		report(ctx, nil)
		return
	}
	apply.then = report
	c.askCreate(apply.added...)
	c.askCreate(apply.changed...)
	ctx.Send(c.services, apply)
}

// relock moves the config dir's lock to the directory its path names now
// (replaced, or created since superd started without it), so that a second
// supervisor cannot take the new one and run every service twice. If one
// already holds it, nothing may be loaded from it: the error wraps
// transport.ErrConfigUnavailable and config.ErrDirInUse.
func (c *configActor) relock() error {
	if c.lock == nil {
		return nil
	}
	if err := c.lock.Refresh(); err != nil {
		c.log.Error("config dir replaced, and its new directory is locked by another supervisor: nothing is loaded from it", "err", err)
		return fmt.Errorf("%w: %w (nothing was changed)", transport.ErrConfigUnavailable, err)
	}
	// A lock that a process of another user holds is ignored (see
	// config.DirLock.Foreign): said once, not at each request.
	foreign := ""
	if err := c.lock.Foreign(); err != nil {
		foreign = err.Error()
	}
	if foreign != "" && foreign != c.foreign {
		c.log.Warn("config dir locked by a process of another user: its lock is ignored", "err", foreign)
	}
	c.foreign = foreign
	return nil
}

// serviceFileMissing reports whether err, from config.ParseFile, says the
// service file itself does not exist, not a file it names (an
// EnvironmentFile=, whose error has the line that names it), nor the
// target of a symbolic link that is there.
func serviceFileMissing(err error) bool {
	if !errors.Is(err, fs.ErrNotExist) {
		return false
	}
	var cerr *config.Error
	if !errors.As(err, &cerr) {
		return true
	}
	if cerr.Line > 0 {
		return false
	}
	_, lerr := os.Lstat(cerr.File)
	return errors.Is(lerr, fs.ErrNotExist)
}

// goDefined returns an error wrapping transport.ErrConflict if the program
// embedding the supervisor defines service name (Config.Services): no file
// defines it, whatever the config dir holds. nil otherwise.
func (c *configActor) goDefined(name string) error {
	if old, ok := c.known[name]; !ok || old.File != "" {
		return nil
	}
	return errGoDefined(name)
}

// errGoDefined is the conflict of a definition call for service name, which
// the program embedding the supervisor defines (Config.Services).
func errGoDefined(name string) error {
	return fmt.Errorf("%w: service %q is defined by the program embedding the supervisor, not by a file", transport.ErrConflict, name)
}

// goClash returns the error of sp, a service file of the config dir, if
// the program embedding the supervisor defines a service of that name:
// the file is ignored, by a reload and by a check alike.
func (c *configActor) goClash(sp *config.Service) error {
	err := c.goDefined(sp.Name)
	if err == nil {
		return nil
	}
	return &config.Error{File: sp.File, Err: fmt.Errorf("%w; this file is ignored", err)}
}

// loadOnDemand handles a start or restart of a name the services supervisor
// does not know: NAME.service is loaded (validated as in a reload) and the
// service created, then the command is handed back.
func (c *configActor) loadOnDemand(ctx actor.Context, m *unknownCommand) {
	name := m.cmd.service()
	if _, ok := c.known[name]; ok {
		// Created (or being created) already: the services supervisor
		// handles addServices before this command, which follows it.
		if m.hops > 1 {
			m.cmd.fail(unknownService(name))
			return
		}
		ctx.Send(c.services, &routeAgain{cmd: m.cmd, hops: m.hops})
		return
	}
	if c.dir == "" {
		m.cmd.fail(unknownService(name))
		return
	}
	if err := config.ValidateName(name); err != nil {
		m.cmd.fail(fmt.Errorf("%w: %w", transport.ErrInvalidArgument, err))
		return
	}
	if err := c.relock(); err != nil {
		m.cmd.fail(err) // the path names a directory another supervisor holds
		return
	}
	path := filepath.Join(c.dir, name+config.FileSuffix)
	st, stOK := stampOf(path) // before it is read
	spec, err := config.ParseFile(path)
	switch {
	case serviceFileMissing(err):
		if derr := dirProblem(c.dir); derr != nil {
			// The whole dir is gone (an unmounted volume, a release
			// being switched): not this one file.
			m.cmd.fail(fmt.Errorf("%w: config dir %s: %w (nothing was changed)", transport.ErrConfigUnavailable, c.dir, derr))
			return
		}
		m.cmd.fail(fmt.Errorf("%w %q (no file %s)", transport.ErrUnknownService, name, path))
		return
	case err != nil:
		if derr := dirProblem(c.dir); derr != nil {
			// Not this one file either: the dir replaced by a file, say
			// ("not a directory").
			m.cmd.fail(fmt.Errorf("%w: config dir %s: %w (nothing was changed)", transport.ErrConfigUnavailable, c.dir, derr))
			return
		}
		m.cmd.fail(fmt.Errorf("%w %q (%s could not be loaded: %s)", transport.ErrUnknownService, name, filepath.Base(path), oneLine(err.Error())))
		return
	}
	c.known[name] = spec
	c.setStamp(name, st, stOK)
	c.dropError(path) // loaded now: whatever the last scan found is out of date
	c.log.Info("service file loaded on demand", "service", name, "file", path)
	// Created stopped, whatever its AutoStart=: the command starts it. A
	// restart would otherwise stop the process just started, and start
	// another.
	c.askCreate(spec)
	ctx.Send(c.services, &addServices{specs: []*config.Service{spec}, then: []command{m.cmd}, wantRunning: map[string]bool{name: false}})
}

// stale returns the services whose file changed on disk (or vanished) since
// it was loaded, and that a reload would load or remove. With a dirChanges,
// a file is only looked at again after an event named it.
//
// None is returned while the config dir cannot be loaded as a whole
// (missing, say): a reload would change nothing, and loadErrors says why.
// Nor is a file that the ownership rule refuses (config.ErrUntrusted): a
// reload would only report the refusal, which loadErrors reports already
// (c.refused, which stale keeps up to date).
func (c *configActor) stale(names []string) map[string]bool {
	c.takeChanges()
	out := map[string]bool{}
	if c.refused == nil {
		c.refused = make(map[string]error)
	}
	check := func(name string, sp *config.Service) {
		delete(c.refused, name)
		if sp.File == "" {
			return
		}
		changed, ok := c.verified[name]
		if !ok {
			stat := c.statFile
			if stat == nil {
				stat = stampOf
			}
			// Watched before the stat: a change after it is named by the
			// next drain, whichever path it is made through.
			trusted := c.changes != nil && c.changes.watch(sp.File)
			now, ok := stat(sp.File)
			was, loaded := c.stamps[name]
			changed = !ok || !loaded || !now.same(was)
			if trusted {
				c.verified[name] = changed
			}
		}
		if !changed {
			return
		}
		// Read again while it differs (a chmod or chown that makes it
		// acceptable changes no stamp).
		if err := refusal(sp.File); err != nil {
			c.refused[name] = err
			return
		}
		out[name] = true
	}
	if names == nil {
		clear(c.refused)
		for name, sp := range c.known {
			check(name, sp)
		}
	} else {
		for _, name := range names {
			if sp, ok := c.known[name]; ok {
				check(name, sp)
			}
		}
	}
	if len(out)+len(c.refused) > 0 && c.dirUnavailable() != nil {
		clear(c.refused)
		return map[string]bool{}
	}
	return out
}

// refusal returns the error of loading the service file path if the
// ownership rule refuses it, or a file it names (both wrap
// config.ErrUntrusted); nil otherwise.
func refusal(path string) error {
	_, err := config.ParseFile(path)
	if errors.Is(err, config.ErrUntrusted) {
		return err
	}
	return nil
}

// dirUnavailableError is why the config dir cannot be loaded as a whole
// (missing, not a directory, unreadable, or writable by another user):
// every reload fails, and the services keep what was loaded.
type dirUnavailableError struct {
	dir string
	err error // names the dir
}

func (e *dirUnavailableError) Error() string {
	return e.err.Error() + " (the services keep the configuration last loaded; a reload changes nothing until the dir can be loaded again)"
}

func (e *dirUnavailableError) Unwrap() error { return e.err }

// dirUnavailable returns a *dirUnavailableError if the config dir cannot
// be loaded as a whole, nil if it can (or superd has none).
func (c *configActor) dirUnavailable() error {
	if c.dir == "" {
		return nil
	}
	if err := dirProblem(c.dir); err != nil {
		return &dirUnavailableError{dir: c.dir, err: fmt.Errorf("config dir %s: %w", c.dir, err)}
	}
	if err := config.CheckDirTrusted(c.dir); err != nil {
		return &dirUnavailableError{dir: c.dir, err: fmt.Errorf("config dir %w", err)} // it starts with the dir
	}
	if err := config.CheckDirChain(c.dir); err != nil {
		// A link on the way another user could repoint: no file of the
		// dir would load, nor one written there.
		return &dirUnavailableError{dir: c.dir, err: err}
	}
	return nil
}

// cutServiceFile returns NAME for a path .../NAME.service.
func cutServiceFile(path string) (string, bool) {
	base := filepath.Base(path)
	if len(base) <= len(config.FileSuffix) || filepath.Ext(base) != config.FileSuffix {
		return "", false
	}
	return base[:len(base)-len(config.FileSuffix)], true
}

// keySet returns the set of keys.
func keySet(keys []string) map[string]bool {
	set := make(map[string]bool, len(keys))
	for _, k := range keys {
		set[k] = true
	}
	return set
}

// configErrors converts a load error for the control API: one entry per
// problem (a file may have several), as `supers check FILE` reports them.
func configErrors(err error) []transport.ConfigError {
	var list config.Errors
	if errors.As(err, &list) {
		out := make([]transport.ConfigError, 0, len(list))
		for _, e := range list {
			out = append(out, transport.ConfigError{File: e.File, Line: e.Line, Message: e.Error()})
		}
		return out
	}
	var created *creationError
	if errors.As(err, &created) {
		return []transport.ConfigError{created.configError()}
	}
	var dirErr *dirUnavailableError
	if errors.As(err, &dirErr) {
		return []transport.ConfigError{{File: dirErr.dir, Dir: true, Message: oneLine(err.Error())}}
	}
	ce := transport.ConfigError{Message: oneLine(err.Error())}
	var e *config.Error
	if errors.As(err, &e) {
		ce.File, ce.Line = e.File, e.Line
	}
	return []transport.ConfigError{ce}
}

// creationError is why a service whose file loaded could not be created
// (its log directory refused, say). It names the file (empty for a service
// defined in Go) and the service.
type creationError struct {
	file, name string
	err        error
}

func (e *creationError) Error() string { return e.err.Error() }

func (e *creationError) Unwrap() error { return e.err }

// configError converts e for the control API. Its message names the file,
// as those of the files that failed to load do.
func (e *creationError) configError() transport.ConfigError {
	return transport.ConfigError{File: e.file, Message: oneLine((&config.Error{File: e.file, Err: e.err}).Error())}
}

// handleAddFailed records that a service this actor loaded could not be
// created: it is forgotten, so that the next reload tries again, and its
// error kept for the control API until then (see askCreate). A failure of
// a spec that is no longer the one known (its file removed, or changed,
// since) is stale and ignored.
func (c *configActor) handleAddFailed(ctx actor.Context, m *addFailed) {
	name := m.spec.Name
	if c.known[name] != m.spec {
		return
	}
	c.changes.forget(m.spec.File) // its file stays, its service goes
	delete(c.known, name)
	if c.createErrs == nil {
		c.createErrs = make(map[string]*creationError)
	}
	c.createErrs[name] = &creationError{file: m.spec.File, name: name, err: m.err}
	ce := c.createErrs[name].configError()
	if m.spec.File == "" {
		// Defined by the program embedding the supervisor, and created
		// once: about that service, without a file.
		ev := notify.NewEvent(notify.TypeConfigError, name)
		ev.Reason = ce.Message
		publish(ctx, c.events, ev)
		return
	}
	c.publishConfigErrors(ctx, []transport.ConfigError{ce}, false)
}

// publishConfigErrors publishes a config-error event for each file of errs
// (in their order) whose errors are not those last published for it: a
// reload that finds a file as broken as before says nothing new. With all,
// errs are every error of the configuration now: a file without any was
// fixed (or removed) and is forgotten, so that its next error is published
// again; but not the file of a service the watch keeps while its file is
// missing (see holdAbsent): back as broken as before, it is no news.
func (c *configActor) publishConfigErrors(ctx actor.Context, errs []transport.ConfigError, all bool) {
	var files []string
	byFile := make(map[string][]string)
	for _, e := range errs {
		if _, ok := byFile[e.File]; !ok {
			files = append(files, e.File)
		}
		byFile[e.File] = append(byFile[e.File], e.Message)
	}
	next := c.reported
	if all || next == nil {
		next = make(map[string]string, len(files))
	}
	if all {
		for name := range c.absentSince {
			if sp := c.known[name]; sp != nil && sp.File != "" {
				if last, ok := c.reported[sp.File]; ok {
					next[sp.File] = last
				}
			}
		}
		// A file that never loaded, held as missing for a moment, keeps
		// its errors too.
		for file, last := range c.reported {
			name := c.serviceOfFile(file)
			if _, held := c.absentSince[name]; held && name != "" && c.known[name] == nil {
				next[file] = last
			}
		}
	}
	for _, file := range files {
		reason := strings.Join(byFile[file], "; ")
		last, ok := c.reported[file]
		next[file] = reason
		if ok && last == reason {
			continue
		}
		name := c.serviceOfFile(file)
		if config.ValidateName(name) != nil {
			// bad name.service names no service a client could ask
			// about (--service refuses it); file says which it is.
			name = ""
		}
		ev := notify.NewEvent(notify.TypeConfigError, name)
		ev.File, ev.Reason = file, reason
		publish(ctx, c.events, ev)
	}
	c.reported = next
}

// publishUnavailable publishes, as publishConfigErrors does, why a reload
// could load nothing from the config dir (err wraps
// transport.ErrConfigUnavailable: missing, unreadable, locked by another
// supervisor), as an error of the dir. The errors published for its files
// are kept: nothing was loaded, so a dir back as it was is no news, and
// the next reload that loads it forgets the dir's error.
func (c *configActor) publishUnavailable(ctx actor.Context, err error) {
	if !errors.Is(err, transport.ErrConfigUnavailable) || c.dir == "" {
		return
	}
	c.publishConfigErrors(ctx, []transport.ConfigError{{File: c.dir, Dir: true, Message: oneLine(err.Error())}}, false)
}

// allConfigErrors converts load errors for the control API, as
// configErrors does each.
func allConfigErrors(errs []error) []transport.ConfigError {
	out := make([]transport.ConfigError, 0, len(errs))
	for _, err := range errs {
		out = append(out, configErrors(err)...)
	}
	return out
}

// serviceOfFile returns the service that file, a file of the config dir,
// defines: "" for superd.conf, the dir itself, or any other file.
func (c *configActor) serviceOfFile(file string) string {
	if filepath.Dir(file) != filepath.Clean(c.dir) {
		return ""
	}
	name, _ := cutServiceFile(file)
	return name
}

// askCreate forgets the creation errors of specs, whose services this
// actor is about to have created again: a failure says so again.
func (c *configActor) askCreate(specs ...*config.Service) {
	for _, sp := range specs {
		delete(c.createErrs, sp.Name)
	}
}

// loadErrors returns why the config dir cannot be loaded as a whole, if
// it cannot; then why superd.conf did not load at the last reload, if it
// did not; then the errors of the service files (those of the last scan,
// except that a file the ownership rule refuses now, although it loaded
// before, has that refusal instead); then why services could not be
// created, by name.
func (c *configActor) loadErrors() []error {
	var out, refusals []error
	refused := map[string]bool{} // files
	if err := c.dirUnavailable(); err != nil {
		out = append(out, err)
	} else {
		c.stale(nil) // brings c.refused up to date
		for _, name := range slices.Sorted(maps.Keys(c.refused)) {
			refused[c.known[name].File] = true
			refusals = append(refusals, c.refused[name])
		}
	}
	if c.daemonErr != nil {
		out = append(out, c.daemonErr)
	}
	for _, err := range c.errs {
		var e *config.Error
		if !errors.As(err, &e) || !refused[e.File] {
			out = append(out, err)
		}
	}
	out = append(out, refusals...)
	for _, name := range slices.Sorted(maps.Keys(c.createErrs)) {
		out = append(out, c.createErrs[name])
	}
	return out
}

// pruneCreateErrs forgets the creation errors of services whose file the
// scan that loaded specs did not load (removed, or failing to load: the
// scan has its error): only those it loaded are created again. Services
// defined in Go (no file) are not part of a scan and keep theirs.
func (c *configActor) pruneCreateErrs(specs []*config.Service) {
	if len(c.createErrs) == 0 {
		return
	}
	loaded := make(map[string]bool, len(specs))
	for _, sp := range specs {
		loaded[sp.Name] = true
	}
	for name, e := range c.createErrs {
		if e.file != "" && !loaded[name] {
			delete(c.createErrs, name)
		}
	}
}
