package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/alecthomas/kong"

	"github.com/supers-dev/supers/notify"
	"github.com/supers-dev/supers/transport"
)

type eventsCmd struct {
	Follow bool `short:"f" help:"Keep printing new events as they happen, until interrupted (--timeout bounds only the wait for superd's answer)."`
	// Service lists the services whose events to print: every service's
	// when nil (no --service); an empty one given (a script's unset
	// variable) is a bad name, not every service.
	Service nameList `placeholder:"NAME,..." help:"Only the events about these services (repeat it, or separate them with commas)."`
	// Type lists the event types to print: every one when nil (no
	// --type); an empty one given is a usage error, as for Service.
	Type typeList `placeholder:"TYPE,..." help:"Only the events of these types (repeat it, or separate them with commas): ${eventTypes}."`
}

// typeList is the value of --type: every type given, repeated or separated
// by commas, the empty ones kept (kong's own splitting drops them), so that
// eventTypes refuses them.
type typeList []string

// Decode appends the types of the flag's next value.
func (l *typeList) Decode(ctx *kong.DecodeContext) error {
	var v string
	if err := ctx.Scan.PopValueInto("type", &v); err != nil {
		return err
	}
	*l = append(*l, strings.Split(v, ",")...)
	return nil
}

// nameList is the value of --service: every service named, repeated or
// separated by commas (which no service name contains), the empty ones
// kept, for checkNames to refuse, as typeList does.
type nameList []string

// Decode appends the names of the flag's next value.
func (l *nameList) Decode(ctx *kong.DecodeContext) error {
	var v string
	if err := ctx.Scan.PopValueInto("service", &v); err != nil {
		return err
	}
	*l = append(*l, strings.Split(v, ",")...)
	return nil
}

// Run prints superd's recent events (the bounded history it keeps), oldest
// first, one line each (see formatEvent), or with --json each event's JSON
// on one line (NDJSON). With --service only the events about the services
// it names (superd filters them for one service; for several supers does,
// from every service's events); with --type only those of the types it
// lists.
//
// With -f it then prints each new event as it happens, until Ctrl-C or
// SIGTERM (exit 0); --timeout bounds only the wait for superd's answer. If
// superd ends the stream first (it is shutting down), it reports "superd
// closed the event stream"; if the answer is cut midway (superd cuts a
// follower that leaves it unread for a minute, or superd stopped, or the
// connection broke), it says so; if superd dropped this client for
// reading too slowly, it says so (events were lost). Each exits 1, so
// that a script can tell and reconnect.
func (c *eventsCmd) Run(ctx context.Context, a *app) error {
	service := ""
	// Several services, which superd cannot filter: filtered here as
	// superd filters one (a reload that names one of them, a config error
	// of superd.conf pass too).
	var services *notify.Filter
	if c.Service != nil {
		if err := checkNames("events", c.Service...); err != nil {
			return err
		}
		if names := onceEach(c.Service); len(names) == 1 {
			service = names[0]
		} else {
			services = &notify.Filter{Services: names}
		}
	}
	var types map[string]bool
	if c.Type != nil {
		var err error
		if types, err = eventTypes(c.Type); err != nil {
			return err
		}
	}
	emit := a.printEvent
	if services != nil || types != nil {
		emit = func(e notify.Event) error {
			if services != nil && !services.Match(e) || types != nil && !types[e.Type] {
				return nil
			}
			return a.printEvent(e)
		}
	}
	if !c.Follow {
		// The history is bounded: take it all, then print it, so that
		// --timeout bounds the wait for superd, not how long stdout (a
		// pager) takes, and superd never waits for a slow stdout.
		rctx, cancel := a.withTimeout(ctx)
		defer cancel()
		var history []notify.Event
		err := a.client.Events(rctx, service, false, func(e notify.Event) error {
			history = append(history, e)
			return nil
		})
		for _, e := range history {
			if perr := emit(e); perr != nil {
				return perr
			}
		}
		return a.eventsError(err)
	}
	// The stream has no end of its own: --timeout bounds only the wait for
	// superd's answer, then only the user ends it.
	interrupted, err := followUntilInterrupted(ctx, func(fctx context.Context) error {
		return a.whileStarting(fctx, "events", func(actx context.Context) error { return a.client.Events(actx, service, true, emit) })
	})
	switch {
	case interrupted:
		return nil
	case errors.Is(err, transport.ErrStreamDropped):
		a.errorf("superd dropped the event stream: it was read too slowly (events were lost)")
		return exitStatus(exitError)
	case err == nil, errors.Is(err, io.ErrUnexpectedEOF):
		return a.streamEnded("event", err)
	default:
		return a.eventsError(err)
	}
}

// eventTypes returns the set of event types that --type lists, or a usage
// error naming the first one that is not an event type.
func eventTypes(list []string) (map[string]bool, error) {
	needs := &usageError{command: "events", msg: "events: --type needs an event type (" + strings.Join(notify.Types(), ", ") + ")"}
	if len(list) == 0 {
		return nil, needs
	}
	types := make(map[string]bool, len(list))
	for _, t := range list {
		t = strings.TrimSpace(t)
		if t == "" {
			return nil, needs // an unset variable, or a stray comma
		}
		if !notify.KnownType(t) {
			return nil, &usageError{command: "events", msg: fmt.Sprintf("events: --type %q is not an event type (use %s)", t, strings.Join(notify.Types(), ", "))}
		}
		types[t] = true
	}
	return types, nil
}

// typeColumn is the width of the type column of formatEvent, worked out
// once; it never changes.
var typeColumn = typeWidth()

// typeWidth is the length of the longest event type.
func typeWidth() int {
	w := 0
	for _, t := range notify.Types() {
		w = max(w, len(t))
	}
	return w
}

// printEvent writes e to stdout as one line: human form, or its JSON with
// --json.
func (a *app) printEvent(e notify.Event) error {
	if !a.json {
		_, err := io.WriteString(a.stdout, formatEvent(e)+"\n")
		return err
	}
	line, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encoding event: %w", err)
	}
	_, err = a.stdout.Write(append(line, '\n'))
	return err
}

// eventsError explains a superd too old to serve events; other errors go
// through describe as usual. A 404 without superd's JSON error comes from
// something else than superd (a wrong --url, say), which describe reports
// as every command does.
func (a *app) eventsError(err error) error {
	var apiErr *transport.APIError
	if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusNotFound && !apiErr.Foreign() {
		return fmt.Errorf("superd at %s does not serve events (is it older than supers?)", a.target)
	}
	return err
}

// eventTimeLayout is the time of an event line: UTC, milliseconds, the
// same text as in the event's JSON.
const eventTimeLayout = "2006-01-02T15:04:05.000Z07:00"

// formatEvent renders e as one line: time, type, service ("-" for none)
// and the fields the event has as key=value, e.g.
//
//	2026-11-25T21:03:04.123Z exit         sleep           pid=1234 signal=SIGKILL
//	2026-11-25T21:03:04.125Z restart      sleep           attempt=1 delay=0s
//	2026-11-25T21:04:00.000Z reload       -               added=a,b removed=c changed=d
//	2026-11-25T21:05:00.000Z fatal        sleep           reason="start limit hit"
//	2026-11-25T21:06:00.000Z delete       old             by=uid:1000
//
// Text from superd is sanitized; the reason is quoted.
func formatEvent(e notify.Event) string {
	service := oneLine(e.Service)
	if service == "" {
		service = "-"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %-*s %-15s", e.Time.UTC().Format(eventTimeLayout), typeColumn, oneLine(e.Type), service)
	field := func(key, value string) { b.WriteString(" " + key + "=" + value) }
	if e.PID != 0 {
		field("pid", strconv.Itoa(e.PID))
	}
	if e.Code != nil {
		field("code", strconv.Itoa(*e.Code))
	}
	if e.Signal != "" {
		field("signal", oneLine(e.Signal))
	}
	if e.CoreDumped {
		field("core_dumped", "true")
	}
	if e.Expected {
		field("expected", "true")
	}
	if e.Attempt != 0 {
		field("attempt", strconv.Itoa(e.Attempt))
	}
	if e.DelayMS != 0 || e.Type == notify.TypeRestart {
		field("delay", (time.Duration(e.DelayMS) * time.Millisecond).String())
	}
	for _, list := range []struct {
		key   string
		names []string
	}{{"added", e.Added}, {"removed", e.Removed}, {"changed", e.Changed}} {
		if len(list.names) > 0 {
			field(list.key, oneLine(strings.Join(list.names, ",")))
		}
	}
	if e.By != "" {
		field("by", oneLine(e.By))
	}
	if e.Hash != "" {
		field("hash", oneLine(e.Hash))
	}
	if e.File != "" {
		field("file", oneLine(e.File))
	}
	if e.Stream != "" {
		field("stream", oneLine(e.Stream))
	}
	if e.DroppedBytes != 0 {
		field("dropped", strconv.FormatUint(e.DroppedBytes, 10)+"B")
	}
	if e.Reason != "" {
		field("reason", strconv.Quote(e.Reason))
	}
	return strings.TrimRight(b.String(), " ")
}

// streamEnded reports the end of a followed stream of kind ("log",
// "event") that the user did not end, err being nil for a clean end
// (superd shutting down) or io.ErrUnexpectedEOF for an answer cut midway,
// and returns the exit status 1.
func (a *app) streamEnded(kind string, err error) error {
	if err == nil {
		a.errorf("superd closed the %s stream", kind)
	} else {
		a.errorf("the %s stream was cut midway (superd cuts a follower that leaves its output unread for a minute, and, over --url, one whose token was replaced in its token file; or superd stopped, or the connection broke)", kind)
	}
	return exitStatus(exitError)
}
