package actors

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/supers-dev/supers/actors/process"
	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/notify"
	"github.com/supers-dev/supers/transport"
)

// This file holds the config actor's handling of service definitions
// written through the API. The config actor is the one writer of the config
// dir, so concurrent writes are serialised by its mailbox: each one reads,
// checks, writes and applies before the next begins.

// getDefinition asks the config actor for the file of a service.
type getDefinition struct {
	name  string
	reply chan<- definitionReply
}

// rootRule says whether a definition may use root's powers (see
// rootPowers) and, if not, what refuses it.
type rootRule struct {
	allowed  bool
	refusal  string // the rule, for the error: "superd refuses such definitions ..."
	powerGID int    // a group as good as root's (the socket group, when its members may write root services); -1: none
	asUID    int    // if >= 0: the definition must run as this user (a socket user's own), not only without root's powers
}

// putDefinition asks the config actor to validate, write and apply a
// service file.
type putDefinition struct {
	name  string
	data  []byte
	opts  transport.WriteOptions
	root  rootRule // whether the definition may use root's powers
	reply chan<- definitionReply
}

// deleteDefinition asks the config actor to stop and forget a service and
// move its file to the trash.
type deleteDefinition struct {
	name  string
	opts  transport.WriteOptions
	root  rootRule // asUID >= 0: the definition removed must run as that user
	reply chan<- definitionReply
}

// definitionReply answers the three messages above.
type definitionReply struct {
	def    transport.Definition       // getDefinition
	result transport.DefinitionResult // put, delete
	err    error
	// A put's that was written: the service, and its check against the
	// machine (nil if none can be made), which the caller runs for the
	// result's warnings (see Supervisor.PutDefinition).
	spec      *config.Service
	hostCheck func(*config.Service) error
}

func (c *configActor) handleGetDefinition(m *getDefinition) {
	if err := c.goDefined(m.name); err != nil {
		// A file of that name, if any, is ignored: it does not define it.
		m.reply <- definitionReply{err: err}
		return
	}
	if err := c.dirUnavailable(); err != nil {
		// Another user could have put anything there, a link to a
		// file only root may read included. A read: said as one, not
		// with the writes' "nothing was changed" and reloads.
		var du *dirUnavailableError
		if errors.As(err, &du) {
			err = du.err
		}
		m.reply <- definitionReply{err: fmt.Errorf("%w: %w; no definition is shown", transport.ErrConfigUnavailable, err)}
		return
	}
	d, err := c.readDefinition(m.name)
	if errors.Is(err, transport.ErrUnknownService) && c.known[m.name] != nil && !isDanglingLink(c.dir, m.name) {
		// The service runs: not an unknown service, but one whose file
		// was removed by hand since it was loaded. Still a 404, as for
		// any definition that is not there.
		path, _ := config.DefinitionPath(c.dir, m.name) // the name is valid: readDefinition checked it
		err = noFileError(fmt.Sprintf("no definition file for service %q (%s was removed since it was loaded; supers rm %s stops and forgets the service, supers apply writes a new file)",
			m.name, path, m.name))
	}
	if err != nil {
		m.reply <- definitionReply{err: err}
		return
	}
	if line, ok := config.InvalidUTF8Line(d.Data); ok {
		// The answer is JSON text: its encoder would replace the bytes
		// that are not UTF-8, and a client that saves what it got (supers
		// edit) would change them without knowing.
		m.reply <- definitionReply{err: fmt.Errorf("%w: %s:%d is not valid UTF-8: the API cannot show it unaltered (edit the file on superd's machine)",
			transport.ErrConflict, d.Path, line)}
		return
	}
	m.reply <- definitionReply{def: transport.Definition{Name: d.Name, File: d.Path, Hash: d.Hash, Text: string(d.Data), Unwritable: unwritable(d.Path)}}
}

// noFileError is the message for a service that runs without its file: it
// matches transport.ErrUnknownService (a 404), without saying "unknown
// service".
type noFileError string

func (e noFileError) Error() string        { return string(e) }
func (e noFileError) Is(target error) bool { return target == transport.ErrUnknownService }

// unwritable says why a write of the file at path would be refused
// whatever its text (a symbolic link, or a file of several names), ""
// if none would: so that supers edit says it before the editor runs,
// not once the edit is done.
func unwritable(path string) string {
	fi, err := os.Lstat(path)
	switch {
	case err != nil:
		return ""
	case fi.Mode()&fs.ModeSymlink != 0:
		if err := config.CheckNotSymlink(path); err != nil {
			return err.Error()
		}
	case fi.Mode().IsRegular() && linkCount(fi) > 1:
		return hardLinksRefusal(path, fi)
	}
	return ""
}

// hardLinksRefusal is why a file of several names (hard links), fi, is
// not replaced.
func hardLinksRefusal(path string, fi os.FileInfo) string {
	return fmt.Sprintf("%s has %d names (hard links): replacing it would leave the others with the old text; edit it in place, or remove its other names",
		path, linkCount(fi))
}

// readDefinition reads NAME.service, mapping the errors for the API.
func (c *configActor) readDefinition(name string) (*config.Definition, error) {
	if c.dir == "" {
		return nil, fmt.Errorf("%w: superd has no config dir", transport.ErrConfigUnavailable)
	}
	if err := c.relock(); err != nil {
		return nil, err
	}
	d, err := config.ReadDefinition(c.dir, name)
	switch {
	case errors.Is(err, config.ErrInvalidName):
		return nil, fmt.Errorf("%w: %w", transport.ErrInvalidArgument, err)
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ELOOP): // no file, or a loop of links
		if derr := dirProblem(c.dir); derr != nil {
			// The whole directory is gone (an unmounted volume): not a
			// file removed by hand, whose service rm would stop.
			return nil, fmt.Errorf("%w: config dir %s: %w (nothing was changed)", transport.ErrConfigUnavailable, c.dir, derr)
		}
		if target, ok := danglingLink(c.dir, name); ok {
			// A file that did not load (a reload lists it), not no file:
			// rm moves it to the trash.
			return nil, fmt.Errorf("%w %q (%s%s in %s is a symbolic link to %s, which leads to no file)", transport.ErrUnknownService, name, name, config.FileSuffix, c.dir, target)
		}
		return nil, fmt.Errorf("%w %q (no file %s%s in %s)", transport.ErrUnknownService, name, name, config.FileSuffix, c.dir)
	case errors.Is(err, config.ErrNotRegular):
		return nil, fmt.Errorf("%w: %w", transport.ErrConflict, err)
	case errors.Is(err, config.ErrUntrusted):
		// Not shown: superd does not load it, and its text could be
		// that of any file root may read, linked there by another user.
		fix := "supers apply replaces it, and supers rm " + name + " moves it to the trash"
		if path, _ := config.DefinitionPath(c.dir, name); isLink(path) {
			fix = "supers rm " + name + " moves the link to the trash; supers apply does not replace a link"
		}
		return nil, fmt.Errorf("%w: %w: superd does not load it (%s)", transport.ErrConflict, err, fix)
	case errors.Is(err, config.ErrTooLarge):
		// A file that did not load (a reload lists it): rm moves it to
		// the trash.
		return nil, fmt.Errorf("%w: %w: superd cannot load it (supers rm %s moves it to the trash)", transport.ErrConflict, err, name)
	case err != nil:
		return nil, err
	}
	return d, nil
}

// isLink reports whether path is a symbolic link.
func isLink(path string) bool {
	fi, err := os.Lstat(path)
	return err == nil && fi.Mode()&fs.ModeSymlink != 0
}

// danglingLink returns the target of NAME.service in dir if it is a
// symbolic link that leads to no file (or to a loop of links).
func danglingLink(dir, name string) (string, bool) {
	path, err := config.DefinitionPath(dir, name)
	if err != nil {
		return "", false
	}
	target, err := os.Readlink(path)
	if err != nil {
		return "", false
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ELOOP) {
		return "", false
	}
	return target, true
}

// isDanglingLink reports whether NAME.service in dir is a symbolic link
// that leads to no file (or to a loop of links).
func isDanglingLink(dir, name string) bool {
	_, ok := danglingLink(dir, name)
	return ok
}

// refusedDir returns an error wrapping transport.ErrConfigUnavailable if
// the config dir cannot be loaded as a whole (see dirUnavailable): a
// reload changes nothing then, and neither may a definition's write or
// removal (superd would run a file of a dir it refuses to read, one that
// another user could have changed). nil if it can be.
func (c *configActor) refusedDir() error {
	if err := c.dirUnavailable(); err != nil {
		return fmt.Errorf("%w: %w; nothing was changed", transport.ErrConfigUnavailable, err)
	}
	return nil
}

// dirProblem reports what keeps dir from being read as a directory: it is
// missing, not a directory, or not readable. nil if it can be.
func dirProblem(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return pe.Err
		}
		return err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return err
	} else if !fi.IsDir() {
		return errors.New("not a directory")
	}
	return nil
}

// checkPrecondition compares If-Match with the current file (cur is nil
// when there is none, or when unread: there is one, which cannot be read).
func checkPrecondition(name, ifMatch string, cur *config.Definition, unread bool) error {
	switch {
	case ifMatch == "":
		return nil
	case cur == nil && unread:
		return fmt.Errorf("%w: the file of %s cannot be read (a symbolic link to no file, too large, or one superd does not trust), so no If-Match (%q) can hold: send none",
			transport.ErrPreconditionFailed, name, ifMatch)
	case cur == nil:
		return fmt.Errorf("%w: %s has no definition (If-Match %q)", transport.ErrPreconditionFailed, name, ifMatch)
	case ifMatch != "*" && ifMatch != cur.Hash:
		return fmt.Errorf("%w: the definition of %s changed since it was read (hash %s, If-Match %s)",
			transport.ErrPreconditionFailed, name, cur.Hash, ifMatch)
	}
	return nil
}

// handlePutDefinition writes a definition and applies it. A new service is
// answered once it is created: if it cannot be (its log directory refused,
// say), the error says so, although its file is written.
func (c *configActor) handlePutDefinition(ctx actor.Context, m *putDefinition) {
	res, apply, err := c.putDefinition(ctx, m)
	var spec *config.Service
	if err == nil {
		spec = c.known[m.name] // the one written
	}
	if err != nil || apply == nil {
		m.reply <- definitionReply{result: res, err: err, spec: spec, hostCheck: c.hostCheck}
		return
	}
	path, _ := config.DefinitionPath(c.dir, m.name) // the name is valid: putDefinition checked it
	apply.then = func(_ actor.Context, failed map[string]error) {
		err := failed[m.name]
		if err != nil && err != errShuttingDown {
			// Nothing says the file stays, and its service is tried
			// again, unless the error does. The write was carried out:
			// not one of superd's internal failures (a 500, which
			// clients retry), but an answer with the result.
			err = notCreatedError{fmt.Errorf("%w (%s is written: once the cause is fixed, a start of %s or a reload creates it)", err, path, m.name)}
		}
		m.reply <- definitionReply{result: res, err: err, spec: spec, hostCheck: c.hostCheck}
	}
	c.askCreate(apply.added...)
	c.askCreate(apply.changed...)
	ctx.Send(c.services, apply)
}

// notCreatedError is the failure to create the service of a definition
// written: it matches transport.ErrNotCreated.
type notCreatedError struct{ error }

func (e notCreatedError) Unwrap() error        { return e.error }
func (e notCreatedError) Is(target error) bool { return target == transport.ErrNotCreated }

// putDefinition writes the definition, and returns what the services
// supervisor must apply (nil if nothing).
func (c *configActor) putDefinition(ctx actor.Context, m *putDefinition) (transport.DefinitionResult, *applyConfig, error) {
	res := transport.DefinitionResult{Name: m.name}
	cur, err := c.readDefinition(m.name)
	untrusted := errors.Is(err, config.ErrUntrusted)
	if err != nil && !errors.Is(err, transport.ErrUnknownService) && !untrusted {
		return res, nil, err
	}
	if bare, ok := strings.CutSuffix(m.name, config.FileSuffix); ok && bare != "" && c.known[m.name] == nil && cur == nil && !untrusted {
		// The file name typed for the service's ("supers apply" derives
		// the name from the file, but a script or curl need not): it
		// would create NAME.service.service, a second service beside
		// NAME. A service that runs under such a name (its file was put
		// there by hand) may still be replaced, and so may such a file
		// that did not load (a typo in it, or a file superd does not
		// trust): GET serves it, and "supers edit" must be able to save
		// its fix.
		return res, nil, fmt.Errorf("%w: service name %q ends in %q: did you mean %q? (nothing was written)", transport.ErrInvalidArgument, m.name, config.FileSuffix, bare)
	}
	if err := c.goDefined(m.name); err != nil {
		return res, nil, err
	}
	if err := c.refusedDir(); err != nil {
		return res, nil, err
	}
	// A file superd does not trust (another user could have written it)
	// is replaced by a caller who may write any definition, as rm moves
	// it: that is how it is fixed. It has no text, so If-Match fails.
	if err := checkPrecondition(m.name, m.opts.IfMatch, cur, untrusted); err != nil {
		return res, nil, err
	}
	if err := notOwnDefinition(m.name, cur, c.known[m.name], m.root, "replace"); err != nil {
		return res, nil, err
	}
	if untrusted && !m.root.allowed && m.root.asUID >= 0 {
		return res, nil, fmt.Errorf("%w: cannot replace %s: superd does not trust its file, so whom it runs as cannot be known; %s", transport.ErrForbidden, m.name, m.root.refusal)
	}
	if line, ok := config.InvalidUTF8Line(m.data); ok {
		// Written, it could not be read back through the API (see
		// handleGetDefinition): supers edit would be stuck with it.
		return res, nil, fmt.Errorf("%w: line %d of the definition of %s is not valid UTF-8", transport.ErrInvalidArgument, line, m.name)
	}
	path, _ := config.DefinitionPath(c.dir, m.name) // the name is valid: readDefinition checked it
	if !m.root.allowed {
		// Judged before any file it names is read: superd reads an
		// EnvironmentFile= as root, and its errors would tell whether a
		// file exists and what its first line looks like.
		pre, err := config.ParseNoFiles(m.name, path, m.data)
		if err != nil {
			return res, nil, &transport.InvalidDefinitionError{Name: m.name, Errors: configErrors(err)}
		}
		why := ""
		if m.root.asUID >= 0 {
			why = notAsCaller(pre, m.root.asUID, os.Geteuid(), systemAccounts, true)
		} else {
			why = rootPowers(pre, os.Geteuid(), m.root.powerGID, systemAccounts)
		}
		if why != "" {
			return res, nil, fmt.Errorf("%w: %s %s; %s", transport.ErrForbidden, m.name, why, m.root.refusal)
		}
	}
	spec, err := config.Parse(m.name, path, m.data)
	if err != nil {
		return res, nil, &transport.InvalidDefinitionError{Name: m.name, Errors: configErrors(err)}
	}
	if old, ok := c.known[m.name]; ok && old.File != "" && old.Hash != spec.Hash && c.checkLogDir != nil {
		// Replaced, the service would be stopped and the new one not
		// created (see keepUnlogged): nothing is written.
		if err := c.checkLogDir(m.name); err != nil {
			return res, nil, fmt.Errorf("%w: service %s cannot be replaced, its logs could not be opened (nothing was written): %w", transport.ErrConflict, m.name, err)
		}
	}
	if old, ok := c.known[m.name]; ok && cur != nil && old.Hash == spec.Hash && bytes.Equal(cur.Data, m.data) {
		// The file holds these bytes already, and they run: nothing to
		// write nor publish (configuration management applying the same
		// files at each run must not touch them, nor send an event).
		res.Action, res.Hash = transport.ActionUnchanged, cur.Hash
		return res, nil, nil
	}
	if fi, err := os.Lstat(path); err == nil && fi.Mode().IsRegular() && linkCount(fi) > 1 {
		// The rename would give the name a new file and leave the
		// others the old one: edits through them (which --watch
		// follows) would then be silently ignored, as for the target
		// of a symbolic link (config.ErrSymlink).
		return res, nil, fmt.Errorf("%w: %s (nothing was written)", transport.ErrConflict, hardLinksRefusal(path, fi))
	}
	written, err := config.WriteDefinition(c.dir, m.name, m.data)
	if errors.Is(err, config.ErrSymlink) {
		return res, nil, fmt.Errorf("%w: %w", transport.ErrConflict, err)
	}
	if err != nil {
		return res, nil, err
	}
	res.Hash = written.Hash
	c.log.Info("service definition written", "service", m.name, "file", path, "by", m.opts.Caller.String(), "hash", written.Hash)

	old, known := c.known[m.name]
	c.known[m.name] = spec
	c.stamp(spec)
	c.rescanned(m.name)
	c.dropError(path)
	var apply applyConfig
	typ := notify.TypeUpdate
	switch {
	case !known:
		res.Action, typ = transport.ActionCreated, notify.TypeCreate
		apply.added = []*config.Service{spec}
	case old.Hash != spec.Hash:
		res.Action = transport.ActionUpdated
		apply.changed = []*config.Service{spec}
	default:
		res.Action = transport.ActionUnchanged
	}
	ev := notify.NewEvent(typ, m.name)
	ev.By, ev.Hash = m.opts.Caller.String(), written.Hash
	publish(ctx, c.events, ev)
	if res.Action == transport.ActionUnchanged {
		return res, nil, nil
	}
	return res, &apply, nil
}

func (c *configActor) handleDeleteDefinition(ctx actor.Context, m *deleteDefinition) {
	res, err := c.deleteDefinition(ctx, m)
	m.reply <- definitionReply{result: res, err: err}
}

func (c *configActor) deleteDefinition(ctx actor.Context, m *deleteDefinition) (transport.DefinitionResult, error) {
	res := transport.DefinitionResult{Name: m.name}
	if err := c.goDefined(m.name); err != nil {
		return res, err
	}
	cur, err := c.readDefinition(m.name)
	_, known := c.known[m.name]
	unread := false // NAME.service is a symbolic link to no file, too large or not trusted to be read
	switch {
	case err == nil:
	case errors.Is(err, transport.ErrUnknownService) && isDanglingLink(c.dir, m.name), errors.Is(err, config.ErrTooLarge),
		errors.Is(err, config.ErrUntrusted):
		// A file that did not load: moved to the trash as any other. It
		// has no text, so If-Match (even *) fails, and a caller held to
		// its own definitions may not remove it: it cannot tell whom
		// the file runs as (a link's target may appear).
		cur, unread = nil, true
	case errors.Is(err, transport.ErrUnknownService) && known:
		// Its file was removed by hand since it was loaded: the service
		// is still stopped and forgotten, and there is nothing to trash.
		cur = nil
	default:
		return res, err
	}
	if err := c.refusedDir(); err != nil {
		return res, err
	}
	if err := checkPrecondition(m.name, m.opts.IfMatch, cur, unread); err != nil {
		return res, err
	}
	if err := notOwnDefinition(m.name, cur, c.known[m.name], m.root, "remove"); err != nil {
		return res, err
	}
	if unread && !m.root.allowed && m.root.asUID >= 0 {
		return res, fmt.Errorf("%w: cannot remove %s: its file cannot be read (a symbolic link to no file, too large, or one superd does not trust), so whom it runs as cannot be known; %s", transport.ErrForbidden, m.name, m.root.refusal)
	}
	res.Action = transport.ActionDeleted
	if cur != nil || unread {
		trash, err := config.RemoveDefinition(c.dir, m.name, time.Now())
		if err != nil {
			return res, err
		}
		res.Trash = trash
		if err := config.PruneTrash(c.dir, m.name); err != nil {
			// The removal is made: only older copies stay.
			c.log.Warn("the trash keeps more removed files than it should", "service", m.name, "err", err)
		}
		path, _ := config.DefinitionPath(c.dir, m.name) // the name is valid: readDefinition checked it
		c.dropError(path)
	}
	c.log.Info("service definition deleted", "service", m.name, "trash", res.Trash, "by", m.opts.Caller.String())
	if known || cur != nil || unread {
		// A file that did not load has no service, but the state file
		// may hold the operator's stop or start of that name: it goes
		// too.
		if known {
			c.changes.forget(c.known[m.name].File)
			delete(c.known, m.name)
			delete(c.stamps, m.name)
		}
		c.rescanned(m.name)
		ctx.Send(c.services, &applyConfig{removed: []string{m.name}})
	}
	ev := notify.NewEvent(notify.TypeDelete, m.name)
	ev.By = m.opts.Caller.String()
	publish(ctx, c.events, ev)
	return res, nil
}

// dropError forgets the load error of the file at path, which was just
// replaced or removed, why its service could not be created, and the
// errors last published for it (its next error is news).
func (c *configActor) dropError(path string) {
	delete(c.reported, path)
	kept := c.errs[:0:0]
	for _, err := range c.errs {
		var e *config.Error
		if errors.As(err, &e) && e.File == path {
			continue
		}
		var list config.Errors
		if errors.As(err, &list) && len(list) > 0 && list[0].File == path {
			continue
		}
		kept = append(kept, err)
	}
	c.errs = kept
	for name, e := range c.createErrs {
		if e.file == path {
			delete(c.createErrs, name)
		}
	}
}

// accounts resolves the User= and Group= of a service as the process
// package does when it starts it: a value of digits only is a numeric id
// ("00" is uid 0), anything else a name. Tests pass their own.
type accounts struct {
	user     func(nameOrID string) (*user.User, error)
	group    func(nameOrID string) (*user.Group, error)
	groupIDs func(*user.User) ([]string, error) // supplementary groups
}

// systemAccounts are the system's, through os/user.
var systemAccounts = accounts{
	// As the process package resolves them when it starts the service
	// ("011" is uid 11): a lookup of the text would find no entry, and
	// take a user whose groups include 0 for one without root's powers.
	user:     process.LookupUser,
	group:    process.LookupGroup,
	groupIDs: (*user.User).GroupIds,
}

// isZeroID reports whether s is the numeric id 0, however it is written.
func isZeroID(s string) bool {
	v, ok := process.ParseID(s)
	return ok && v == 0
}

// notOwnDefinition refuses, to a caller held to definitions that run as
// itself (rule.asUID >= 0, a socket group member), to replace or remove
// (verb) the service name unless it runs as that user too: the rule that
// keeps it from writing a root service would mean little if it could
// remove one, or put its own program in its place. The service is judged
// by its definition cur, or, with no file (removed by hand since it was
// loaded), by the one it runs with, known; with neither, there is nothing
// to judge.
func notOwnDefinition(name string, cur *config.Definition, known *config.Service, rule rootRule, verb string) error {
	if rule.allowed || rule.asUID < 0 || cur == nil && known == nil {
		return nil
	}
	spec, err, what := known, error(nil), "the definition it runs with"
	if cur != nil {
		spec, err = config.ParseNoFiles(cur.Name, cur.Path, cur.Data)
		what = "its definition"
	}
	why := ""
	if err == nil {
		why = notAsCaller(spec, rule.asUID, os.Geteuid(), systemAccounts, false)
	}
	if err != nil || why != "" {
		if why == "" {
			why = "does not parse"
		}
		return fmt.Errorf("%w: cannot %s %s: %s %s; %s", transport.ErrForbidden, verb, name, what, why, rule.refusal)
	}
	return nil
}

// notAsCaller says how spec would not run as the user uid (a socket user
// other than root, held to running services as itself), or returns "" if
// it would: User= must be that user (by name or id), Group=, if any, one
// of its groups (primary or supplementary), and no EnvironmentFile= may be
// read as root (euid 0) on its behalf. ownText is true when spec is the
// caller's own new text (a write), which it can fix: the reason then says
// what to set. It is false for the definition a replace or remove would
// undo, which the caller cannot change.
func notAsCaller(spec *config.Service, uid, euid int, acc accounts, ownText bool) string {
	if spec.User == "" {
		why := "would run as superd's user (uid " + strconv.Itoa(euid) + "), not as uid " + strconv.Itoa(uid)
		if ownText {
			why += " (set User=)"
		}
		return why
	}
	u, err := acc.user(spec.User)
	if err != nil {
		return "names User=" + spec.User + ", which is not a known user"
	}
	if u.Uid != strconv.Itoa(uid) {
		return "would run as User=" + spec.User + " (uid " + u.Uid + "), not as uid " + strconv.Itoa(uid)
	}
	if spec.Group != "" {
		gid := ""
		if id, ok := process.ParseID(spec.Group); ok {
			gid = strconv.FormatUint(uint64(id), 10)
		} else if g, err := acc.group(spec.Group); err == nil {
			gid = g.Gid
		}
		mine := []string{u.Gid}
		if gids, err := acc.groupIDs(u); err == nil {
			mine = append(mine, gids...)
		}
		if gid == "" || !slices.Contains(mine, gid) {
			return "would run in Group=" + spec.Group + ", not one of User=" + spec.User + "'s groups"
		}
	}
	if len(spec.EnvironmentFiles) > 0 && euid == 0 {
		return "has superd read EnvironmentFile= as root (" + spec.EnvironmentFiles[0] + ")"
	}
	return ""
}

// rootPowers says how spec would use root's powers, or returns "" if it
// would not. euid is superd's effective uid. spec:
//   - runs as root: User= is uid 0 ("root", "0", "00", or any name or uid
//     whose entry has uid 0), or is empty while superd runs as root;
//   - runs in group 0: Group= is gid 0 ("root", "0", "wheel" on some
//     systems), or, without Group=, User='s primary group is 0; or group
//     0 is among User='s supplementary groups, which the service gets
//     whatever Group= says;
//   - has superd read an EnvironmentFile= as root, and hand its content to
//     the service: a definition written over HTTP could read any file;
//   - runs in group powerGID (-1: none) the way it could run in group 0:
//     the socket group, when its members may write root services.
//
// A user or group that does not resolve is not root's: starting the
// service will fail on it.
func rootPowers(spec *config.Service, euid, powerGID int, acc accounts) string {
	var u *user.User
	switch {
	case spec.User == "" && euid == 0:
		return "would run as root (no User=, and superd runs as root)"
	case spec.User == "root" || isZeroID(spec.User):
		return "would run as root (User=" + spec.User + ")"
	case spec.User != "":
		var err error
		if u, err = acc.user(spec.User); err != nil {
			u = nil
		} else if isZeroID(u.Uid) {
			return "would run as root (User=" + spec.User + " has uid 0)"
		}
	}
	// rootGroup names gid (a decimal id) if it is group 0 or powerGID.
	rootGroup := func(gid string) string {
		switch {
		case isZeroID(gid):
			return "group 0"
		case powerGID >= 0 && gid == strconv.Itoa(powerGID):
			return "group " + gid + ", whose members may write root services through superd's socket"
		}
		return ""
	}
	switch {
	case spec.Group == "root" || isZeroID(spec.Group):
		return "would run in group 0 (Group=" + spec.Group + ")"
	case spec.Group != "":
		// A number is the gid, with or without an entry (as the process
		// package takes it).
		gid := ""
		if id, ok := process.ParseID(spec.Group); ok {
			gid = strconv.FormatUint(uint64(id), 10)
		} else if g, err := acc.group(spec.Group); err == nil {
			gid = g.Gid
		}
		if which := rootGroup(gid); gid != "" && which != "" {
			return "would run in " + which + " (Group=" + spec.Group + " has gid " + gid + ")"
		}
	case u != nil:
		if which := rootGroup(u.Gid); which != "" {
			return "would run in " + which + " (the primary group of User=" + spec.User + ")"
		}
	}
	if u != nil {
		if gids, err := acc.groupIDs(u); err == nil {
			for _, gid := range gids {
				if spec.Group != "" && gid == u.Gid {
					// Group= replaces the primary group, which does not
					// stay as a supplementary one (see the process
					// package's credentials): os/user lists it here.
					continue
				}
				if which := rootGroup(gid); which != "" {
					return "would run with " + which + " among its supplementary groups (User=" + spec.User + ")"
				}
			}
		}
	}
	if len(spec.EnvironmentFiles) > 0 && euid == 0 {
		return "has superd read EnvironmentFile= as root (" + spec.EnvironmentFiles[0] + ")"
	}
	return ""
}
