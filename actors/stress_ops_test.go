//go:build linux

package actors

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/supers-dev/supers/notify"
	"github.com/supers-dev/supers/transport"
)

// Regression tests for defects found by stressing the control plane
// (concurrent operators, reloads and shutdowns). Real child processes; every
// wait polls a condition with a generous deadline.

// stressWait polls cond until it holds, failing the test after 30 s.
func stressWait(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out (30s) waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// stressCtx is a context for one call to the supervisor.
func stressCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// marks is a directory of marks: empty files that a test's services
// create and the test polls for, or that the test creates to release a
// service.
type marks string

func newMarks(t *testing.T) marks {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "marks")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return marks(dir)
}

// path is the path of the mark name.
func (m marks) path(name string) string { return filepath.Join(string(m), name) }

// exists returns a condition that holds once the mark name exists.
func (m marks) exists(name string) func() bool {
	return func() bool { _, err := os.Stat(m.path(name)); return err == nil }
}

// slowStop is a service file whose process creates the mark PREFIXup once
// its SIGTERM trap is set (then runs extra, shell commands ending in ";"),
// PREFIXterm when it gets SIGTERM, and exits only once the test creates
// PREFIXrelease, which t's cleanup does whatever happens.
func (m marks) slowStop(t *testing.T, prefix, tick, extra string) string {
	t.Helper()
	t.Cleanup(func() { _ = os.WriteFile(m.path(prefix+"release"), nil, 0o644) })
	return fmt.Sprintf(`[Service]
ExecStart=/bin/sh -c 'trap ": > %s; while [ ! -e %s ]; do sleep 0.05; done; exit 0" TERM; %s: > %s; while :; do sleep %s; done'
TimeoutStopSec=120
`, m.path(prefix+"term"), m.path(prefix+"release"), extra, m.path(prefix+"up"), tick)
}

// changeX writes body as x.service in dir and reloads l, which must find x
// changed.
func changeX(t *testing.T, l *lcSupervisor, dir, body string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "x.service"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	if res, err := l.sup.Reload(stressCtx(t)); err != nil || !slices.Equal(res.Changed, []string{"x"}) {
		t.Fatalf("reload: %+v, %v; want x changed", res, err)
	}
}

// An operator's stop survives a superd restart, even when the stopped
// service's file changed (and was reloaded) while the stop was under way
// and superd shut down before the stop finished: only a removal forgets
// the stop, not a replacement the shutdown cut short (the Terminated
// handler used to forget it for both, and the next superd started the
// service the operator had stopped).
//
// z, slow to stop too, holds the shutdown open until x's actor is gone, so
// that the outcome does not depend on whether that Terminated is handled
// before the state file's last write.
func TestStressOperatorStopKeptWhenChangedServiceEndsDuringShutdown(t *testing.T) {
	root := t.TempDir()
	dir, logs := filepath.Join(root, "etc"), filepath.Join(root, "logs")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	m := newMarks(t)
	mark, exists := m.path, m.exists
	// NAME stops on SIGTERM only once the test creates NAME-release.
	slow := func(name, tick string) string { return m.slowStop(t, name+"-", tick, "") }
	write := func(name, body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("x.service", slow("x", "0.2"))
	write("z.service", slow("z", "0.2"))
	cfg := Config{ConfigDir: dir, LogDir: logs, StateFile: filepath.Join(root, "superd.state")}

	l := lcRunOn(t, cfg)
	stressWait(t, "x and z to set their traps", func() bool { return exists("x-up")() && exists("z-up")() })

	// The operator stops x: it takes as long as the test wants.
	stopped := make(chan error, 1)
	go func() {
		_, err := l.sup.Stop(context.Background(), "x")
		stopped <- err
	}()
	stressWait(t, "x to get SIGTERM", exists("x-term"))
	stressWait(t, "the operator's stop of x in the state file", func() bool {
		return slices.Contains(readState(t, cfg.StateFile).Stopped, "x")
	})

	// x's file changes and is reloaded while it stops: x is being replaced.
	write("x.service", slow("x", "0.3"))
	res, err := l.sup.Reload(stressCtx(t))
	if err != nil || !slices.Equal(res.Changed, []string{"x"}) {
		t.Fatalf("reload: %+v, %v; want x changed", res, err)
	}

	// superd shuts down; once its stop of every service is under way (z
	// got SIGTERM), x's stop ends.
	shut := make(chan struct{})
	go func() { l.shutdown(3 * time.Minute); close(shut) }()
	stressWait(t, "the shutdown to stop z", exists("z-term"))
	if err := os.WriteFile(mark("x-release"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// x's actor is gone (its entry too) while z still holds the shutdown.
	stressWait(t, "x's actor to be gone", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err := l.sup.Status(ctx, "x")
		return errors.Is(err, transport.ErrUnknownService)
	})
	if err := os.WriteFile(mark("z-release"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	select {
	case <-shut:
	case <-time.After(3 * time.Minute):
		t.Fatal("shutdown did not end")
	}
	<-stopped // answered (done, or "shutting down"): either way, recorded

	if st := readState(t, cfg.StateFile); !slices.Contains(st.Stopped, "x") {
		t.Errorf("state file after the shutdown: stopped = %v; want x kept (the operator stopped it, a reload only changed its file)", st.Stopped)
	}

	// What the operator sees: the next superd must not start x. (Quick to
	// stop now; x's file changes again, which does not matter: its stop is
	// the operator's.)
	write("x.service", "[Service]\nExecStart=/bin/sleep 1000\n")
	write("z.service", "[Service]\nExecStart=/bin/sleep 1000\n")
	l2 := lcRunOn(t, cfg)
	l2.waitState("z", transport.StateRunning)
	st, err := l2.sup.Status(stressCtx(t), "x")
	if err != nil {
		t.Fatal(err)
	}
	if st.State != transport.StateStopped {
		t.Errorf("after a restart of superd, x is %s (pid %d); want stopped, as the operator left it", st.State, st.PID)
	}
}

// A live event stream closed because superd shuts down must not hide a gap:
// the events still in its backlog (published, but not yet moved into its
// channel because its client reads slowly) are lost when closeStreams
// closes the channel, so the stream is marked dropped and its client is
// told that events were lost (trailer "dropped"), not only that superd
// closed it.
func TestStressEventsBacklogLostAtShutdownIsReported(t *testing.T) {
	system, hub := startHub(t)
	defer func() { _ = system.Root.StopFuture(hub).Wait() }()
	reply := make(chan subscription, 1)
	system.Root.Send(hub, &subscribe{follow: true, reply: reply})
	sub := <-reply
	// A slow client: more than its channel holds, well within the backlog
	// it is allowed (not dropped for being slow).
	n := subscriberBuffer + 100
	for i := range n {
		e := notify.NewEvent(notify.TypeStart, "s")
		e.PID = i + 1
		system.Root.Send(hub, &eventPublished{event: e})
	}
	system.Root.Send(hub, &subscribe{reply: reply}) // the hub has handled them all
	<-reply
	system.Root.Send(hub, &closeStreams{})          // superd shuts down
	system.Root.Send(hub, &subscribe{reply: reply}) // and the hub has closed the stream
	<-reply
	got := 0
	for {
		select {
		case e, ok := <-sub.live:
			if !ok {
				if got < n && !sub.dropped.Load() {
					t.Errorf("the stream ended after %d of %d events and is not marked dropped: its client is told superd closed it, not that %d events were lost", got, n, n-got)
				}
				return
			}
			if e.PID != got+1 {
				t.Fatalf("event %d has pid %d: out of order or lost", got+1, e.PID)
			}
			got++
		case <-time.After(30 * time.Second):
			t.Fatalf("closeStreams did not close the stream (%d events read)", got)
		}
	}
}

// A service file removed while a reload scans the dir (listed by
// os.ReadDir, gone when read) is a removal, not an error: config.LoadDir
// skips a file that no longer exists (Lstat says so: a dangling symlink
// stays an error). It used to report "cannot read: no such file or
// directory", and the name, counting as failed, kept the removed service
// running as "unchanged".
func TestStressReloadWhileFilesAreRemovedReportsNoError(t *testing.T) {
	l := lcRun(t, nil)
	stop := make(chan struct{})
	churned := make(chan struct{})
	go func() { // an operator's tooling adding and removing files
		defer close(churned)
		body := []byte("[Service]\nExecStart=/bin/sleep 1000\nAutoStart=no\n")
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			// Written atomically (a dot file is not a service file).
			path := filepath.Join(l.dir, fmt.Sprintf("churn%d.service", i%20))
			tmp := filepath.Join(l.dir, ".churn.tmp")
			if err := os.WriteFile(tmp, body, 0o644); err != nil {
				t.Error(err)
				return
			}
			if err := os.Rename(tmp, path); err != nil {
				t.Error(err)
				return
			}
			if err := os.Remove(path); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	defer func() { close(stop); <-churned }()
	deadline := time.Now().Add(15 * time.Second)
	for n := 0; time.Now().Before(deadline); n++ {
		res, err := l.sup.Reload(stressCtx(t))
		if err != nil {
			t.Fatalf("reload %d: %v", n, err)
		}
		for _, e := range res.Errors {
			t.Fatalf("reload %d, while files are only created and removed, reported an error: %+v", n, e)
		}
	}
}

// An operator's stop that arrives while a reload is replacing the service
// (its old process still stopping) must not start the new definition: the
// command queued for the replacement decides whether it runs, so it is
// created stopped (it used to be created running and stopped at once: a
// start with side effects, and start/exit/stop events, nobody asked for).
func TestStressStopDuringReplacementDoesNotStartNewDefinition(t *testing.T) {
	m := newMarks(t)
	mark := m.path
	exists := func(name string) bool { return m.exists(name)() }
	// The old definition stops once released; the new one leaves a mark
	// when it starts.
	l := lcRun(t, map[string]string{"x.service": m.slowStop(t, "", "0.2", "")})
	stressWait(t, "x to set its trap", m.exists("up"))

	changeX(t, l, l.dir, fmt.Sprintf("[Service]\nExecStart=/bin/sh -c ': > %s; exec sleep 1000'\n", mark("new-started")))
	stressWait(t, "the old x to get SIGTERM", func() bool { return exists("term") })

	// The operator's stop, routed while x is being replaced (the status
	// query sent after it is answered once it has been routed).
	stopped := make(chan result, 1)
	l.sup.sys.Root.Send(l.sup.services, &stopService{name: "x", reply: stopped})
	if st, err := l.sup.Status(stressCtx(t), "x"); err != nil || st.State != transport.StateStopping {
		t.Fatalf("x: %+v, %v; want stopping (being replaced)", st, err)
	}
	if err := os.WriteFile(mark("release"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-stopped:
		if r.err != nil || r.status.State != transport.StateStopped {
			t.Fatalf("the stop answered %+v, %v; want stopped", r.status, r.err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the stop was not answered")
	}
	// The new program may be killed before it runs a single command:
	// superd's events tell whether it was started.
	ev, err := l.sup.Events(stressCtx(t), "x", false)
	if err != nil {
		t.Fatal(err)
	}
	var starts []int
	for _, e := range ev.History {
		if e.Type == notify.TypeStart {
			starts = append(starts, e.PID)
		}
	}
	if len(starts) != 1 || exists("new-started") {
		t.Errorf("x was started %d times (pids %v), want once: the new definition was started although the operator's stop came before the replacement was created", len(starts), starts)
	}
	if st := l.waitState("x", transport.StateStopped); st.PID != 0 {
		t.Errorf("x: %+v; want stopped", st)
	}
}

// A signal sent while a reload is replacing the service (its old process
// still stopping) must not be held and delivered to the new process the
// moment it starts (a `supers signal x HUP` would reach the new program
// before it could install its handlers and kill it, and SIGHUP being a
// clean exit, Restart=on-failure would leave the service down right after
// the deploy). The signal goes to the process that is there when it is
// asked for (the old one, still stopping), or is refused with a conflict.
func TestStressSignalDuringReplacementNotHeldForNewProcess(t *testing.T) {
	m := newMarks(t)
	mark := m.path
	exists := func(name string) bool { return m.exists(name)() }
	l := lcRun(t, map[string]string{"x.service": m.slowStop(t, "", "0.2", `trap "" HUP; `)})
	stressWait(t, "x to set its traps", m.exists("up"))
	oldSt := l.waitState("x", transport.StateRunning)

	changeX(t, l, l.dir, "[Service]\nExecStart=/bin/sleep 1000\n")
	stressWait(t, "the old x to get SIGTERM", func() bool { return exists("term") })

	// The operator's SIGHUP, routed while x is being replaced.
	signalled := make(chan result, 1)
	l.sup.sys.Root.Send(l.sup.services, &signalService{name: "x", signal: "SIGHUP", reply: signalled})
	if st, err := l.sup.Status(stressCtx(t), "x"); err != nil || st.State != transport.StateStopping {
		t.Fatalf("x: %+v, %v; want stopping (being replaced)", st, err)
	}
	if err := os.WriteFile(mark("release"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-signalled:
		if r.err == nil && r.status.PID != oldSt.PID {
			t.Errorf("the SIGHUP asked for while pid %d was stopping was sent to pid %d, the new process, as it started", oldSt.PID, r.status.PID)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the signal was not answered")
	}
	// The new process must be left running.
	st := l.waitState("x", transport.StateRunning)
	if st.PID == oldSt.PID {
		t.Fatalf("x still runs the old process %d", st.PID)
	}
	ev, err := l.sup.Events(stressCtx(t), "x", false)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ev.History {
		if e.Type == notify.TypeExit && e.PID == st.PID {
			t.Errorf("the new process %d exited: %+v", st.PID, e)
		}
	}
}

// A command queued for the replacement of a service (a reload changed it,
// its old process still stopping) fails with "shutting down", not
// "unknown service", when superd shuts down before the replacement comes:
// the service is still defined.
func TestQueuedCommandAtShutdownSaysShuttingDown(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "etc")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	m := newMarks(t)
	mark, exists := m.path, m.exists
	body := func(tick string) []byte { return []byte(m.slowStop(t, "", tick, "")) }
	if err := os.WriteFile(filepath.Join(dir, "x.service"), body("0.2"), 0o644); err != nil {
		t.Fatal(err)
	}
	// y tells when the shutdown has begun: its start is refused then.
	if err := os.WriteFile(filepath.Join(dir, "y.service"), []byte("[Service]\nExecStart=/bin/sleep 1000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	l := lcRunOn(t, Config{ConfigDir: dir, LogDir: filepath.Join(root, "logs")})
	stressWait(t, "x to set its trap", exists("up"))

	changeX(t, l, dir, string(body("0.3")))
	stressWait(t, "x's old process to get SIGTERM", exists("term"))
	started := make(chan error, 1)
	go func() {
		_, err := l.sup.Start(context.Background(), "x") // queued for the replacement
		started <- err
	}()
	shut := make(chan struct{})
	go func() { l.shutdown(3 * time.Minute); close(shut) }()
	stressWait(t, "the shutdown to begin", func() bool {
		_, err := l.sup.Start(stressCtx(t), "y")
		return err != nil
	})
	if err := os.WriteFile(mark("release"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-started:
		if errors.Is(err, transport.ErrUnknownService) || err == nil {
			t.Errorf("start queued for the replacement at shutdown: %v; want superd shutting down", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("the queued start was not answered")
	}
	<-shut
}

// A restart under way when a reload changes the service (its old process
// still stopping for the restart) is carried out by the new definition:
// the client gets the new process, started once, not "stopped by a later
// request" for a stop nobody asked for.
func TestRestartUnderWayWhenAReloadReplacesTheService(t *testing.T) {
	m := newMarks(t)
	l := lcRun(t, map[string]string{"x.service": m.slowStop(t, "", "0.2", "")})
	stressWait(t, "x to set its trap", m.exists("up"))

	restarted := make(chan struct {
		st  transport.ServiceStatus
		err error
	}, 1)
	go func() {
		st, err := l.sup.Restart(context.Background(), "x")
		restarted <- struct {
			st  transport.ServiceStatus
			err error
		}{st, err}
	}()
	stressWait(t, "the old x to get SIGTERM", m.exists("term"))

	changeX(t, l, l.dir, fmt.Sprintf("[Service]\nExecStart=/bin/sh -c 'echo $$ >> %s; exec sleep 1000'\n", m.path("new-starts")))
	if err := os.WriteFile(m.path("release"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var r struct {
		st  transport.ServiceStatus
		err error
	}
	select {
	case r = <-restarted:
	case <-time.After(time.Minute):
		t.Fatal("the restart was not answered")
	}
	if r.err != nil || r.st.State != transport.StateRunning || r.st.PID == 0 {
		t.Fatalf("restart: %+v, %v; want x running its new definition", r.st, r.err)
	}
	st := l.waitState("x", transport.StateRunning)
	stressWait(t, "the new definition's mark", func() bool {
		data, _ := os.ReadFile(m.path("new-starts"))
		return len(data) > 0
	})
	data, _ := os.ReadFile(m.path("new-starts"))
	if starts := strings.Fields(string(data)); len(starts) != 1 || starts[0] != strconv.Itoa(st.PID) {
		t.Errorf("the new definition started %v, want once, as pid %d", starts, st.PID)
	}
}
