package main

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/transport"
)

// checkNames returns a usage error (exit 2) for the first of names that is
// not a valid service name: it is found before anything is asked of
// superd, as the other mistakes on a command line are.
func checkNames(command string, names ...string) error {
	for _, name := range names {
		if err := config.ValidateName(name); err != nil {
			return &usageError{command: command, msg: command + ": " + err.Error()}
		}
	}
	return nil
}

type listCmd struct{}

// Run prints every service, sorted by name.
func (c *listCmd) Run(ctx context.Context, a *app) error {
	_, err := a.listAll(ctx)
	return err
}

// listAll prints every service, sorted by name, then warns about the
// service files superd could not load. It reports whether one of them
// does not run.
func (a *app) listAll(ctx context.Context) (notRunning bool, err error) {
	// The config errors, for the warning after the list (and the table's
	// note), are asked for beside the list rather than after it: one
	// round trip less.
	a.prefetchConfigErrors(ctx)
	defer a.waitConfigErrors()
	if notRunning, err = a.printAll(ctx); err != nil {
		return false, err
	}
	a.warnConfigErrors(ctx)
	return notRunning, nil
}

// printAll prints every service, sorted by name, and reports whether one
// of them does not run. The table is made as the statuses are read: a
// thousand of them are never held in memory at once.
func (a *app) printAll(ctx context.Context) (notRunning bool, err error) {
	rctx, cancel := a.withTimeout(ctx)
	defer cancel()
	if a.json {
		services, err := a.client.List(rctx)
		if err != nil {
			return false, err
		}
		sort.Slice(services, func(i, j int) bool { return services[i].Name < services[j].Name })
		for _, s := range services {
			notRunning = notRunning || s.State != transport.StateRunning
		}
		return notRunning, a.printStatuses(ctx, services)
	}
	t := newStatusTable(true)
	err = a.client.ListEach(rctx, func(s transport.ServiceStatus) error {
		notRunning = notRunning || s.State != transport.StateRunning
		t.add(s)
		return nil
	})
	if err != nil {
		return false, err
	}
	return notRunning, a.printTable(ctx, t)
}

// warnConfigErrors reports on stderr the service files superd could not
// load, which the list cannot show. It is only a hint next to the list, so
// a failed request (e.g. an older superd answering 404) is ignored.
func (a *app) warnConfigErrors(ctx context.Context) {
	errs, err := a.configErrors(ctx)
	if err != nil || len(errs) == 0 {
		return
	}
	writeConfigWarning(a.stderr, errs)
}

type statusCmd struct {
	Names []string `arg:"" optional:"" name:"name" help:"Services to show: names, or patterns such as 'web-*' (default: all)."`
	All   bool     `help:"Show every service, as no name does, but exit 3 if one is not running (as for names)."`
}

// Run prints the named services (all without names or with --all,
// followed by a warning on stderr if some service files could not be
// loaded). Its exit code says whether they all run: 3 if one does not, 4
// if one is unknown, 1 if a request failed; the highest applies. Without
// names it is 0 (an overview, as systemctl's list); --all, which stands
// for every name as supervisorctl's "all" does, is judged as names are.
// When no named service could be shown the table is left out (--json
// still prints []).
func (c *statusCmd) Run(ctx context.Context, a *app) error {
	if c.All && len(c.Names) > 0 {
		return &usageError{command: "status", msg: "status: give service names (or patterns) or --all, not both"}
	}
	if len(c.Names) == 0 {
		notRunning, err := a.listAll(ctx)
		if err == nil && c.All && notRunning {
			return exitStatus(exitNotRunning)
		}
		return err
	}
	names, unmatched, err := a.expand(ctx, "status", c.Names, false, false)
	if err != nil {
		return err
	}
	code := a.reportUnmatched("status", unmatched)
	found := make([]transport.ServiceStatus, 0, len(names))
names:
	for _, name := range names {
		st, err := a.status(ctx, name)
		switch {
		case err == nil:
			found = append(found, st)
			if st.State != transport.StateRunning {
				code = max(code, exitNotRunning)
			}
		case isFatal(err):
			return err
		case errors.Is(err, transport.ErrUnknownService):
			a.errorf("%s%s", unknownService(name, err), allHint(name))
			code = max(code, exitUnknown)
		case errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
			// superd left a query unanswered for --timeout: the next
			// names would each wait as long.
			a.errorf("status %s: %s", name, a.describe(err))
			code = max(code, exitError)
			break names
		default:
			a.errorf("status %s: %s", name, a.describe(err))
			code = max(code, exitError)
		}
	}
	if len(found) > 0 || a.json {
		if err := a.printStatuses(ctx, found); err != nil {
			return err
		}
	}
	if code != exitOK {
		return exitStatus(code)
	}
	return nil
}

func (a *app) status(ctx context.Context, name string) (transport.ServiceStatus, error) {
	rctx, cancel := a.withTimeout(ctx)
	defer cancel()
	return a.client.Status(rctx, name)
}

// serviceNames are the services start, stop and restart act on: names and
// patterns, or --all.
type serviceNames struct {
	Names []string `arg:"" optional:"" name:"name" help:"Services to act on: names, or patterns such as 'web-*' (* ? [...]) matching services superd knows."`
	All   bool     `help:"Act on every service superd knows."`
}

type startCmd struct {
	serviceNames
	minUptime
}

// Run starts each named service.
func (c *startCmd) Run(ctx context.Context, a *app) error {
	return a.actUp(ctx, "start", a.client.Start, c.serviceNames, c.MinUptime)
}

// minUptime is the --min-uptime flag of start and restart.
type minUptime struct {
	MinUptime time.Duration `name:"min-uptime" placeholder:"D" help:"Succeed only if the process started is still running D later (as supervisord's startsecs=, PM2's min_uptime): a service that exits at once is reported as a failed start (exit 1), with how it exited. Default 0: succeed once the program is executed."`
}

type stopCmd struct{ serviceNames }

// Run stops each named service.
func (c *stopCmd) Run(ctx context.Context, a *app) error {
	return a.act(ctx, "stop", a.client.Stop, c.serviceNames)
}

type restartCmd struct {
	serviceNames
	minUptime
}

// Run restarts each named service.
func (c *restartCmd) Run(ctx context.Context, a *app) error {
	return a.actUp(ctx, "restart", a.client.Restart, c.serviceNames, c.MinUptime)
}

// busy reports whether superd, asked again briefly (--timeout, at most
// wait) about the service name, shows that a command waiting for it is
// under way: it says the service is stopping, or it says that it cannot
// answer yet (a 503: it is starting, stopping what a crashed superd left
// running within their TimeoutStopSec=, and holds the commands until
// then; or it is shutting down, and cuts them within a second). refused
// is the socket's refusal of the question (see connsRefused), which
// whileBusy takes for no news.
func (a *app) busy(ctx context.Context, name string, wait time.Duration) (busy bool, refused error) {
	st, err := a.probeStatus(ctx, name, wait)
	if err == nil {
		return st.State == transport.StateStopping, nil
	}
	if connsRefused(err) {
		return false, err
	}
	_, unavailable := superdUnavailable(err)
	return unavailable, nil
}

// superdUnavailable returns superd's message when err is its answer that
// it cannot serve requests yet or any more (a 503: it is starting, or
// shutting down). The socket's refusal of a connection for want of one
// (connsRefused), also a 503 with the code "unavailable", is not one: it
// says nothing of superd's state, and waiting for superd would not end it.
func superdUnavailable(err error) (string, bool) {
	var apiErr *transport.APIError
	if !errors.As(err, &apiErr) || apiErr.Foreign() || !errors.Is(err, transport.ErrUnavailable) || connsRefused(err) {
		return "", false
	}
	return apiErr.Error(), true
}

// connsRefused reports whether err is the control socket's 503 to a
// connection of a user other than root and superd's own when the
// connections kept for those users are all taken
// (transport.ErrTooManyConnections): superd serves, but not this
// connection.
func connsRefused(err error) bool { return errors.Is(err, transport.ErrTooManyConnections) }

// probeStatus asks superd for the status of the service name, waiting
// --timeout, at most wait.
func (a *app) probeStatus(ctx context.Context, name string, wait time.Duration) (transport.ServiceStatus, error) {
	ctx, cancel := context.WithTimeout(ctx, min(a.timeout, wait))
	defer cancel()
	return a.client.Status(ctx, name)
}

// Bounds of the status request that tells a slow stop from a superd that
// does not answer:
//   - stillStoppingWait while a command without --timeout waits (a busy
//     superd, stopping thousands of services, may take seconds to answer,
//     and must not be taken for a silent one);
//   - timedOutProbeWait once a --timeout given has passed: a frozen superd
//     must not make the command wait much past it, and a superd that
//     answers at all answers a status within that.
const (
	stillStoppingWait = 5 * time.Second
	timedOutProbeWait = time.Second
)

// stopPollInterval is how often waitOp asks superd whether a service is
// still stopping, once --timeout has passed.
const stopPollInterval = time.Second

// refusedProbes is how many questions of whileBusy in a row the socket
// must refuse, once the deadline has passed, before the refusal ends the
// wait (one stopPollInterval apart).
const refusedProbes = 3

// waitOp runs op (start, stop or restart) on the service name. With
// --timeout given (or 0), the user's bound applies, as for any request.
// Without it, --timeout's default bounds only how long superd may leave
// supers waiting without showing progress: the request goes on for as
// long as superd says the service is stopping (a stop takes up to its
// TimeoutStopSec, then the SIGKILL, and a start or restart of a service
// being stopped waits for the stop), as systemctl waits for its stop job,
// or says that it is still starting (see busy). It is cut, with the error
// context.DeadlineExceeded, once superd has shown neither for --timeout
// (counted from when it last did, if the answer is late), or does not
// answer.
func (a *app) waitOp(ctx context.Context, name string, op func(context.Context, string) (transport.ServiceStatus, error)) (transport.ServiceStatus, error) {
	if a.timeoutGiven || a.timeout <= 0 {
		rctx, cancel := a.withTimeout(ctx)
		defer cancel()
		return op(rctx, name)
	}
	rctx, release := a.whileBusy(ctx, func(ctx context.Context) (bool, error) { return a.busy(ctx, name, stillStoppingWait) })
	defer release()
	return op(rctx, name)
}

// commandContext derives the context of a request that superd carries
// out (signal, reload, check, a definition written or removed) rather than
// answers at once. With --timeout 0, it is withTimeout's; with --timeout
// given, givenTimeout's. Without it, the wait goes on for as long as superd
// says that it is still starting (stopping what a crashed superd left
// running, within their TimeoutStopSec=), which holds such requests until
// it has started, then for --timeout more; it is cut, with the cause
// context.DeadlineExceeded, once superd has not said so for --timeout, or
// does not answer. release ends the wait.
func (a *app) commandContext(ctx context.Context) (_ context.Context, release func()) {
	switch {
	case a.timeout <= 0:
		return a.withTimeout(ctx)
	case a.timeoutGiven:
		return a.givenTimeout(ctx)
	}
	return a.whileBusy(ctx, a.starting)
}

// givenTimeout returns ctx cut once the --timeout given has passed: with
// the cause context.DeadlineExceeded, or, when superd, asked then (see
// startingMessage; at most --timeout, at most timedOutProbeWait), says that
// it is still starting and holds the request until then, with a
// *notDoneError saying so, as act reports a start, stop or restart: a
// superd doing its job must not be reported as one that does not answer.
// release ends the wait.
func (a *app) givenTimeout(ctx context.Context) (_ context.Context, release func()) {
	rctx, cancel := context.WithCancelCause(ctx)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		timer := time.NewTimer(a.timeout)
		defer timer.Stop()
		select {
		case <-done:
			return
		case <-timer.C:
		}
		var cause error = context.DeadlineExceeded
		msg, starting, refused := a.startingMessage(rctx, min(a.timeout, timedOutProbeWait))
		switch {
		case refused != nil:
			cause = refused
		case starting:
			cause = &notDoneError{timeout: a.timeout, msg: msg}
		}
		cancel(cause)
	}()
	return rctx, func() {
		close(done)
		cancel(nil) // ends a request of startingMessage under way
		wg.Wait()
	}
}

// notDoneError is why a request superd holds while it is starting was cut
// when the --timeout given passed: superd's message saying so. It matches
// context.DeadlineExceeded.
type notDoneError struct {
	verb    string // the command, to name first; "" for none
	timeout time.Duration
	msg     string
}

func (e *notDoneError) Error() string {
	msg := fmt.Sprintf("not done within %s: %s (see --timeout)", e.timeout, oneLine(e.msg))
	if e.verb != "" {
		msg = e.verb + ": " + msg
	}
	return msg
}

// Is makes a notDoneError match context.DeadlineExceeded.
func (e *notDoneError) Is(target error) bool { return target == context.DeadlineExceeded }

// starting reports whether superd, asked briefly (--timeout, at most
// stillStoppingWait), says that it cannot answer yet (see busy); refused
// is the socket's refusal of the question (see connsRefused).
func (a *app) starting(ctx context.Context) (starting bool, refused error) {
	_, starting, refused = a.startingMessage(ctx, min(a.timeout, stillStoppingWait))
	return starting, refused
}

// startingMessage returns superd's message when, asked for at most wait,
// it says that it cannot answer yet (a 503: see busy), or, as refused, the
// socket's refusal of the question (see connsRefused).
func (a *app) startingMessage(ctx context.Context, wait time.Duration) (msg string, starting bool, refused error) {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	_, err := a.client.ConfigErrors(ctx)
	if connsRefused(err) {
		return "", false, err
	}
	msg, starting = superdUnavailable(err)
	return msg, starting, nil
}

// whileBusy returns ctx, cut with the cause context.DeadlineExceeded once
// --timeout has passed since busy last reported true (or since the start,
// if it never did). busy, which asks superd whether the request is under
// way, is first called once --timeout has passed, then every
// stopPollInterval, until release. An error of busy (the socket refused
// the question: see connsRefused) is no news, counted as not busy: it
// says nothing of the request, which superd may be carrying out, so it
// neither cuts ctx nor pushes the deadline back (but for the one more
// --timeout any answer that is not busy gets after a busy one); when the
// deadline passes with the last refusedProbes questions refused, that
// error is the cause: the refusal, not a silent superd, is what the user
// must be told. release ends the wait.
func (a *app) whileBusy(ctx context.Context, busy func(context.Context) (bool, error)) (_ context.Context, release func()) {
	rctx, cancel := context.WithCancelCause(ctx)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		deadline := time.Now().Add(a.timeout)
		wasBusy, refusedInARow := false, 0
		timer := time.NewTimer(a.timeout)
		defer timer.Stop()
		for {
			select {
			case <-done:
				return
			case <-timer.C:
			}
			// A refused question (isBusy is false then) is no news:
			// the socket's share full for a moment must not cut a
			// request that superd said is under way.
			isBusy, refused := busy(rctx)
			if refused != nil {
				refusedInARow++
			} else {
				refusedInARow = 0
			}
			switch {
			case isBusy:
				deadline, wasBusy = time.Now().Add(a.timeout), true
			case wasBusy:
				// The stop (or superd's start) has just ended; the
				// answer is on its way (superd records the operator's
				// intent first): one more --timeout for it, once.
				deadline, wasBusy = time.Now().Add(a.timeout), false
			}
			wait := time.Until(deadline)
			if wait <= 0 && refused != nil && refusedInARow < refusedProbes {
				// Only the socket's refusal so far: asked again (its
				// share may be full for a moment) before it is the
				// answer, so that one refusal at the deadline (the
				// first question, say) does not cut a request under way.
				timer.Reset(stopPollInterval)
				continue
			}
			if wait <= 0 {
				var cause error = context.DeadlineExceeded
				if refused != nil {
					cause = refused
				}
				cancel(cause)
				return
			}
			timer.Reset(min(wait, stopPollInterval))
		}
	}()
	return rctx, func() {
		close(done)
		cancel(nil) // ends a request of busy under way
		wg.Wait()
	}
}

// The operations act has under way at once, each on a connection of its
// own: enough that a stop of hundreds of services with a long
// TimeoutStopSec takes about as long as the longest, as systemctl's jobs
// do (16 at once made 500 such stops take 32 times as long); over TCP
// fewer, so that a batch leaves most of superd's 256 connections to other
// clients.
const (
	opsAtOnceSocket = 256
	opsAtOnceTCP    = 64
)

// opsAtOnce returns the operations act may have under way at once.
func (a *app) opsAtOnce() int {
	if strings.HasPrefix(a.target, "http://") || strings.HasPrefix(a.target, "https://") {
		return opsAtOnceTCP
	}
	return opsAtOnceSocket
}

// act applies op to every name at once (at most opsAtOnce under way), as
// systemctl runs its jobs: the stops of ten services with a long
// TimeoutStopSec take as long as the longest, not their sum. Then it
// reports each failure on stderr and prints the resulting statuses, in the
// order of names. Its exit code is 4 if a service is unknown, 1 if another
// op failed (the highest applies, as for status), or the error when superd
// cannot be reached at all.
func (a *app) act(ctx context.Context, verb string, op func(context.Context, string) (transport.ServiceStatus, error), args serviceNames) error {
	return a.actUp(ctx, verb, op, args, 0)
}

// actUp is act for a start or restart that must leave its process running
// for minUp (--min-uptime; 0: no wait): once op has answered, each service
// is asked again minUp later, and one whose process is no longer the one
// op started (it exited, and maybe was restarted since) is a failed op,
// reported with how it exited.
func (a *app) actUp(ctx context.Context, verb string, op func(context.Context, string) (transport.ServiceStatus, error), args serviceNames, minUp time.Duration) error {
	if minUp < 0 {
		return &usageError{command: verb, msg: fmt.Sprintf("%s: --min-uptime %v: want a duration of 0 or more", verb, minUp)}
	}
	names, unmatched, err := a.expand(ctx, verb, args.Names, args.All, true)
	if err != nil {
		return err
	}
	type outcome struct {
		st       transport.ServiceStatus
		err      error
		stopping bool   // timed out because the service is still stopping
		busy     string // timed out while superd says this (it is starting)
	}
	outcomes := make([]outcome, len(names))
	var wg sync.WaitGroup
	slots := make(chan struct{}, a.opsAtOnce())
	for i, name := range names {
		slots <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := a.waitOp(ctx, name, op)
			// Told apart here, for the names under way at once: asked one
			// after the other, a frozen superd made the wait the --timeout
			// given plus one probe per name.
			o := outcome{st: st, err: err}
			if errors.Is(err, context.DeadlineExceeded) && a.timeoutGiven {
				pst, perr := a.probeStatus(ctx, name, timedOutProbeWait)
				o.stopping = perr == nil && pst.State == transport.StateStopping
				o.busy, _ = superdUnavailable(perr)
			}
			<-slots // the wait of --min-uptime makes no request
			if err == nil && minUp > 0 {
				o.st, o.err = a.stayedUp(ctx, name, st, minUp, slots)
			}
			outcomes[i] = o
		}()
	}
	wg.Wait()
	code := a.reportUnmatched(verb, unmatched)
	results := make([]transport.ServiceStatus, 0, len(names))
	for i, name := range names {
		st, err, stopping, busy := outcomes[i].st, outcomes[i].err, outcomes[i].stopping, outcomes[i].busy
		switch {
		case err == nil:
			results = append(results, st)
		case errors.As(err, new(*notUpError)):
			results = append(results, st)
			a.errorf("%s %s: %v", verb, name, err)
			code = max(code, exitError)
		case errors.Is(err, transport.ErrStartFailed) && st.Name != "":
			// superd started it, but its program could not be executed:
			// the status says what came of it (exec-failed, backoff).
			results = append(results, st)
			a.errorf("%s %s: %s", verb, name, oneLine(st.Error))
			code = max(code, exitError)
		case isFatal(err):
			if len(results) > 0 {
				_ = a.printStatuses(ctx, results)
			}
			return err
		case errors.Is(err, transport.ErrUnknownService):
			a.errorf("%s%s", unknownService(name, err), allHint(name))
			code = max(code, exitUnknown)
		case stopping:
			// Not a superd that does not answer: a service that takes
			// longer than the --timeout given to stop (a long
			// TimeoutStopSec). Without --timeout, waitOp waited for it.
			// The status does not carry the service's TimeoutStopSec:
			// one of infinity has no bound to wait for, its stop ends
			// only when its processes exit, so the hint says both.
			a.errorf("%s %s: still stopping after %s; superd answers once it has stopped: within its TimeoutStopSec (see --timeout), or, with TimeoutStopSec=infinity, only once its processes exit (\"supers signal %s KILL\" ends them)", verb, name, a.timeout, name)
			code = max(code, exitError)
		case busy != "":
			// Not a superd that does not answer either: it holds the
			// command until it has started.
			a.errorf("%s %s: not done within %s: %s (see --timeout)", verb, name, a.timeout, oneLine(busy))
			code = max(code, exitError)
		default:
			a.errorf("%s %s: %s", verb, name, a.describe(err))
			code = max(code, exitError)
		}
	}
	if len(results) > 0 || a.json {
		if err := a.printStatuses(ctx, results); err != nil {
			return err
		}
	}
	if code != exitOK {
		return exitStatus(code)
	}
	return nil
}

type versionCmd struct{}

// versionOutput is the --json shape of the version command; Superd is null
// when superd could not be asked.
type versionOutput struct {
	Supers transport.VersionInfo  `json:"supers"`
	Superd *transport.VersionInfo `json:"superd"`
}

// Run prints the CLI's version and, if superd answers, superd's. Failing to
// reach superd is reported on stderr but is not an error: supers' own
// version, which is what was asked, is printed (exit 0; README lists this
// exception to exit 1 for superd unreachable).
func (c *versionCmd) Run(ctx context.Context, a *app) error {
	out := versionOutput{Supers: transport.VersionInfo{Version: version, GoVersion: runtime.Version()}}
	rctx, cancel := a.withTimeout(ctx)
	defer cancel()
	if v, err := a.client.Version(rctx); err != nil {
		a.errorf("%s", a.describe(err))
	} else {
		out.Superd = &v
	}
	if a.json {
		return writeJSON(a.stdout, out)
	}
	if _, err := fmt.Fprintln(a.stdout, versionLine()); err != nil {
		return err
	}
	if out.Superd != nil {
		if _, err := fmt.Fprintf(a.stdout, "superd %s (%s)\n", oneLine(out.Superd.Version), oneLine(out.Superd.GoVersion)); err != nil {
			return err
		}
	}
	return nil
}

// notUpError is a start or restart whose process did not stay up for
// --min-uptime.
type notUpError struct {
	pid   int
	minUp time.Duration
	now   transport.ServiceStatus // the status minUp after the start
}

func (e *notUpError) Error() string {
	msg := fmt.Sprintf("its process %d did not stay up for %v", e.pid, e.minUp)
	if e.now.LastExit != nil {
		msg += " (" + e.now.LastExit.String() + ")"
	}
	return msg + "; now " + e.now.State
}

// stayedUp asks superd about name minUp after op answered st: the status
// then, or a *notUpError if the process st names is no longer the one
// running. Its request takes one of slots (see act); the wait takes none.
func (a *app) stayedUp(ctx context.Context, name string, st transport.ServiceStatus, minUp time.Duration, slots chan struct{}) (transport.ServiceStatus, error) {
	if st.State != transport.StateRunning || st.PID == 0 {
		return st, nil // an op that answered without a process says why itself
	}
	t := time.NewTimer(minUp)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		return st, context.Cause(ctx)
	}
	slots <- struct{}{}
	defer func() { <-slots }()
	rctx, cancel := a.withTimeout(ctx)
	defer cancel()
	now, err := a.client.Status(rctx, name)
	switch {
	case err != nil:
		return st, err
	case now.State != transport.StateRunning || now.PID != st.PID:
		return now, &notUpError{pid: st.PID, minUp: minUp, now: now}
	}
	return now, nil
}
