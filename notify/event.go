package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"slices"
	"time"
)

// SchemaVersion is the version of the event schema written in every event's
// "version" field. It changes only when a field changes meaning or goes
// away; new optional fields do not bump it.
const SchemaVersion = 1

// The event types. Every state change of a service produces exactly one
// event of one of these types.
const (
	// TypeStart: the process started; PID is set.
	TypeStart = "start"
	// TypeExit: the process ended; Code or Signal is set, and Expected
	// tells whether superd asked it to end (a stop or a restart).
	TypeExit = "exit"
	// TypeRestart: a restart is scheduled; Attempt and DelayMS are set.
	TypeRestart = "restart"
	// TypeStop: the service was stopped on request: after the expected exit
	// of the process stopped, whose PID is set; or, with no PID, the
	// service was not running (backoff, fatal, exec-failed, exited, or a
	// restart due but not begun: starting) and Reason says which state it
	// left. With a PID, a Reason says that the stop was not clean: it timed
	// out and SIGKILL was sent (the exit came before it), or it left that
	// process behind, still there after its SIGKILL (stuck in the kernel;
	// no exit came before it): that exit event comes when it exits, if
	// superd still watches it then. See EVENTS.md for the wording of each.
	TypeStop = "stop"
	// TypeFatal: restarting gave up (start limit hit); Reason says why.
	// With RestartCooldownSec=, not for good: DelayMS is set, and the
	// service is tried again from scratch after it (a start follows).
	TypeFatal = "fatal"
	// TypeExecFailed: a start failed before the program ran (a missing
	// binary, a WorkingDirectory= denied, an unknown User=); Reason is the
	// error. The restart policy then decides, as after an exit.
	TypeExecFailed = "exec-failed"
	// TypeReload: a configuration was applied; Added, Removed and Changed
	// list the service names, at least one of them not empty (a reload that
	// changed no service publishes no event). Service is empty.
	TypeReload = "reload"
	// TypeCreate: a service definition was created through the API; By
	// says who, Hash is the new file's content hash.
	TypeCreate = "create"
	// TypeUpdate: a service definition was changed through the API; By
	// says who, Hash is the new file's content hash.
	TypeUpdate = "update"
	// TypeDelete: a service definition was deleted through the API (moved
	// to the trash); By says who.
	TypeDelete = "delete"
	// TypeConfigError: a file of the configuration did not load, at start
	// or at a reload (SIGHUP, supers reload, the file watcher): File names
	// it, and Reason gives its errors. Service is the service of a service
	// file (which keeps its last configuration that loaded, if it has
	// one), empty for superd.conf or the config dir itself; a service
	// defined by the program embedding the supervisor that could not be
	// created has its Service and no File. Published once per file and
	// errors: again only when they change, or come back after the file
	// loaded.
	TypeConfigError = "config-error"
	// TypeLogError: a service's output could not be written to its log
	// file (a full or read-only disk, a log dir removed or refused):
	// output is dropped, and counted, while writing fails. Stream names
	// the stream, Reason the error, DroppedBytes what the stream dropped
	// so far since its logs were opened. Published at the first failure,
	// then at most once a minute per stream while failures go on; again at
	// once after a TypeLogResumed, and at once for the first failure that
	// drops output after one that dropped none (a failed rotation, which
	// no TypeLogResumed ends). superd publishes at most 10 log events a
	// second, for all services together.
	TypeLogError = "log-error"
	// TypeLogResumed: a stream's output is written again after some of it
	// was dropped; Stream names it, DroppedBytes is what it dropped since
	// the failure began, Reason the last error.
	TypeLogResumed = "log-resumed"
)

// Types returns every event type, in a fixed order. Configuration code can
// use it to validate a filter.
func Types() []string {
	return []string{TypeStart, TypeExit, TypeRestart, TypeStop, TypeFatal, TypeExecFailed, TypeReload, TypeCreate, TypeUpdate, TypeDelete, TypeConfigError, TypeLogError, TypeLogResumed}
}

// KnownType reports whether t is one of the event types.
func KnownType(t string) bool { return slices.Contains(Types(), t) }

// timeLayout is RFC 3339 with a fixed millisecond fraction, which every
// common date parser accepts. Times are written in UTC.
const timeLayout = "2006-01-02T15:04:05.000Z07:00"

// Event is one state change of a service, as sent to notifiers. Its JSON
// form is documented, with an example per type, in EVENTS.md.
type Event struct {
	// Version is the schema version, SchemaVersion.
	Version int `json:"version"`
	// ID is unique per event; a webhook sends it as webhook-id, the same
	// on every retry, so receivers can deduplicate.
	ID string `json:"id"`
	// Type is one of the Type constants.
	Type string `json:"type"`
	// Service is the service name; empty for TypeReload, and for a
	// TypeConfigError about superd.conf or the config dir.
	Service string `json:"service"`
	// Time is when the change happened; written as RFC 3339 in UTC with
	// milliseconds.
	Time time.Time `json:"time"`
	// Host is the host name of the machine running superd.
	Host string `json:"host"`
	// Seq numbers the events superd publishes, from 1 when it starts, each
	// one more than the one before: a receiver that sees a gap missed
	// events (a queue that was full dropped them) or filtered them out,
	// and one that sees it go back to 1, a restart of superd. 0 (omitted) for an event no
	// supervisor published.
	Seq uint64 `json:"seq,omitempty"`

	// PID is the process id (start, exit, and stop when the service had a
	// process: the one stopped).
	PID int `json:"pid,omitempty"`
	// Code is the exit status when the process exited (exit).
	Code *int `json:"code,omitempty"`
	// Signal names the signal that killed the process, e.g. "SIGKILL" (exit).
	Signal string `json:"signal,omitempty"`
	// CoreDumped is true when that signal dumped core (exit).
	CoreDumped bool `json:"core_dumped,omitempty"`
	// Expected is true when superd caused the exit (a stop or a restart);
	// absent means false (exit).
	Expected bool `json:"expected,omitempty"`
	// Attempt counts restarts since the service was last stable, from 1
	// (restart).
	Attempt int `json:"attempt,omitempty"`
	// DelayMS is the delay before the restart, in milliseconds (restart;
	// fatal with RestartCooldownSec=: before the next try).
	DelayMS int64 `json:"delay_ms,omitempty"`
	// Reason is a short human-readable cause (fatal, exec-failed, and stop
	// when the service had no process, timed out or left it behind;
	// optional elsewhere). For
	// config-error, the file's errors, separated by "; ". superd cuts it
	// at 64 KiB, ending it with "… (N more bytes cut)".
	Reason string `json:"reason,omitempty"`
	// Added, Removed and Changed list the service names a reload added,
	// removed or changed (reload).
	Added   []string `json:"added,omitempty"`
	Removed []string `json:"removed,omitempty"`
	Changed []string `json:"changed,omitempty"`
	// By says who changed a definition (create, update, delete): "uid:N"
	// for a client of the Unix socket, "token" for an HTTP client.
	By string `json:"by,omitempty"`
	// Hash is the content hash (hex SHA-256) of the definition written
	// (create, update).
	Hash string `json:"hash,omitempty"`
	// File is the path of the file that did not load, or of the config
	// dir when the dir itself cannot be loaded (config-error); empty for a
	// service defined by the program embedding the supervisor (no file)
	// that could not be created.
	File string `json:"file,omitempty"`
	// Stream is "stdout" or "stderr" (log-error, log-resumed).
	Stream string `json:"stream,omitempty"`
	// DroppedBytes is the output a stream dropped: since its logs were
	// opened (log-error), or since its failure began (log-resumed).
	DroppedBytes uint64 `json:"dropped_bytes,omitempty"`
}

// NewEvent returns an event of type typ for service with Version, a fresh
// random ID, Time (now, in UTC, to the millisecond) and Host filled in. The
// caller sets the fields of the type.
func NewEvent(typ, service string) Event {
	host, _ := os.Hostname() // best effort: an unknown host leaves it empty
	return Event{
		Version: SchemaVersion,
		ID:      newID(),
		Type:    typ,
		Service: service,
		Time:    time.Now().UTC().Truncate(time.Millisecond),
		Host:    host,
	}
}

// newID returns a random version 4 UUID in its canonical text form.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:36], b[10:16])
	return string(s[:])
}

// MarshalJSON writes the event with its time as RFC 3339 in UTC with a
// fixed millisecond fraction, and the common fields first.
func (e Event) MarshalJSON() ([]byte, error) {
	type fields Event // no methods: no recursion
	return json.Marshal(struct {
		Version int    `json:"version"`
		ID      string `json:"id"`
		Type    string `json:"type"`
		Service string `json:"service"`
		Time    string `json:"time"`
		Host    string `json:"host"`
		Seq     uint64 `json:"seq,omitempty"`
		fields         // the type-specific fields; the ones above shadow its own
	}{
		Version: e.Version,
		ID:      e.ID,
		Type:    e.Type,
		Service: e.Service,
		Time:    e.Time.UTC().Format(timeLayout),
		Host:    e.Host,
		Seq:     e.Seq,
		fields:  fields(e),
	})
}

// Notifier delivers events to one destination (a webhook; mail, Slack or
// WeCom later). Notify delivers one event, retrying as the destination's
// policy says, and returns when it is delivered, has failed for good, or
// ctx is done. Implementations must be safe for concurrent use.
type Notifier interface {
	Notify(ctx context.Context, e Event) error
}

// NotifierFunc adapts a function to the Notifier interface.
type NotifierFunc func(ctx context.Context, e Event) error

// Notify calls f(ctx, e).
func (f NotifierFunc) Notify(ctx context.Context, e Event) error { return f(ctx, e) }

// Matcher is implemented by notifiers that want only some events (see
// Webhook.Match). A Queue asks it before queueing an event, so filtered-out
// events never take a slot.
type Matcher interface {
	Match(e Event) bool
}

// Filter selects events by type and service. An empty list matches
// everything, so the zero Filter matches every event.
type Filter struct {
	// Events lists the event types to keep (the Type constants).
	Events []string
	// Services lists the service names to keep. A reload event, which has
	// no service, passes a non-empty Services list only when one of its
	// added, removed or changed names is listed; a config-error event with
	// no service (superd.conf, the config dir, a file whose name is not a
	// valid service name: they concern every service) passes it always.
	Services []string
}

// Match reports whether e passes the filter.
func (f Filter) Match(e Event) bool {
	if len(f.Events) > 0 && !slices.Contains(f.Events, e.Type) {
		return false
	}
	if len(f.Services) == 0 {
		return true
	}
	if e.Type == TypeReload && e.Service == "" {
		for _, list := range [][]string{e.Added, e.Removed, e.Changed} {
			for _, name := range list {
				if slices.Contains(f.Services, name) {
					return true
				}
			}
		}
		return false
	}
	if e.Type == TypeConfigError && e.Service == "" {
		return true
	}
	return slices.Contains(f.Services, e.Service)
}
