//go:build linux

package actors

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supers-dev/supers/transport"
)

// These tests run a real Supervisor on real child processes.

// lcSupervisor is a running Supervisor on a config dir of its own.
type lcSupervisor struct {
	t      *testing.T
	sup    *Supervisor
	dir    string // config dir
	cancel context.CancelFunc
	ran    chan error
	once   sync.Once
}

// lcRun starts a Supervisor on a fresh config dir holding files
// (name → contents) and waits until it is ready. It is shut down when the
// test ends, unless the test did it.
func lcRun(t *testing.T, files map[string]string) *lcSupervisor {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "etc")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return lcRunOn(t, Config{ConfigDir: dir, LogDir: filepath.Join(t.TempDir(), "logs")})
}

// lcRunOn starts a Supervisor with cfg and waits until it is ready.
func lcRunOn(t *testing.T, cfg Config) *lcSupervisor {
	t.Helper()
	return lcRunWith(t, cfg, nil)
}

// lcRunWith is lcRunOn, with tweak (if not nil) applied to the Supervisor
// before its Run.
func lcRunWith(t *testing.T, cfg Config, tweak func(*Supervisor)) *lcSupervisor {
	t.Helper()
	if cfg.Logger == nil {
		// Shown when the test fails (after the shutdown, whose lines
		// come last): a failure under load is otherwise left unexplained.
		log := &lockedBuffer{}
		cfg.Logger = slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug}))
		t.Cleanup(func() {
			if t.Failed() {
				text := log.String()
				if len(text) > 256<<10 {
					text = "…\n" + text[len(text)-256<<10:]
				}
				t.Logf("supervisor log:\n%s", text)
			}
		})
	}
	sup, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if tweak != nil {
		tweak(sup)
	}
	ctx, cancel := context.WithCancel(context.Background())
	l := &lcSupervisor{t: t, sup: sup, dir: cfg.ConfigDir, cancel: cancel, ran: make(chan error, 1)}
	go func() { l.ran <- sup.Run(ctx) }()
	select {
	case <-sup.Ready():
	case err := <-l.ran:
		t.Fatalf("Run: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("supervisor not ready")
	}
	t.Cleanup(func() { l.shutdown(2 * time.Minute) })
	return l
}

// shutdown cancels Run and waits for it to return, at most within.
func (l *lcSupervisor) shutdown(within time.Duration) {
	l.t.Helper()
	l.once.Do(func() {
		l.cancel()
		select {
		case err := <-l.ran:
			if err != nil {
				l.t.Errorf("Run: %v", err)
			}
		case <-time.After(within):
			stacks := make([]byte, 4<<20)
			stacks = stacks[:runtime.Stack(stacks, true)]
			l.t.Errorf("Run did not return within %v; goroutines:\n%s", within, stacks)
		}
	})
}

// waitState waits until service name is in state and returns its status.
func (l *lcSupervisor) waitState(name, state string) transport.ServiceStatus {
	l.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		st, err := l.sup.Status(ctx, name)
		cancel()
		if err == nil && st.State == state {
			return st
		}
		if time.Now().After(deadline) {
			l.t.Fatalf("%s: not %s within 20s: %+v, %v", name, state, st, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// lcWaitFile waits until path exists.
func lcWaitFile(t *testing.T, path string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not created within %v", path, within)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A service added after the start (by a reload, apply or start on demand)
// gets its whole TimeoutStopSec at shutdown too: the shutdown must not be
// bounded by the services superd started with (here none: 5 s).
func TestShutdownHonoursTimeoutOfServicesAddedLater(t *testing.T) {
	l := lcRun(t, nil)
	marks := t.TempDir()
	up, done := filepath.Join(marks, "up"), filepath.Join(marks, "done")
	// Takes 6.5 s to stop on SIGTERM, well within its TimeoutStopSec.
	body := fmt.Sprintf(`[Service]
ExecStart=/bin/sh -c 'trap "sleep 6.5; : > %s; exit 0" TERM; : > %s; while :; do sleep 0.1; done'
TimeoutStopSec=60s
`, done, up)
	if err := os.WriteFile(filepath.Join(l.dir, "slow.service"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := l.sup.Reload(ctx)
	if err != nil || len(res.Errors) > 0 {
		t.Fatalf("reload: %+v, %v", res, err)
	}
	lcWaitFile(t, up, 20*time.Second) // its trap is set
	l.waitState("slow", transport.StateRunning)
	l.shutdown(2 * time.Minute)
	if _, err := os.Stat(done); err != nil {
		t.Fatalf("the service was killed before the end of its TimeoutStopSec (60s): %v", err)
	}
}

// ctx returns a context for one request.
func (l *lcSupervisor) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	l.t.Cleanup(cancel)
	return ctx
}

// writeService writes NAME.service into the config dir.
func (l *lcSupervisor) writeService(name, body string) {
	l.t.Helper()
	if err := os.WriteFile(filepath.Join(l.dir, name+".service"), []byte(body), 0o644); err != nil {
		l.t.Fatal(err)
	}
}

// reload reloads the config dir and fails the test on any error.
func (l *lcSupervisor) reload() transport.ReloadResult {
	l.t.Helper()
	res, err := l.sup.Reload(l.ctx())
	if err != nil || len(res.Errors) > 0 {
		l.t.Fatalf("reload: %+v, %v", res, err)
	}
	return res
}

// do runs a command (Start, Stop, Restart) and fails the test on error.
func (l *lcSupervisor) do(cmd func(context.Context, string) (transport.ServiceStatus, error), name string) transport.ServiceStatus {
	l.t.Helper()
	st, err := cmd(l.ctx(), name)
	if err != nil {
		l.t.Fatalf("%s: %v", name, err)
	}
	return st
}

// lcPersistent is a config dir and a state file that successive
// supervisors share, as successive superds do.
type lcPersistent struct {
	t     *testing.T
	cfg   Config
	files map[string]string
}

func lcNewPersistent(t *testing.T, files map[string]string) *lcPersistent {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, "etc")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return &lcPersistent{t: t, cfg: Config{
		ConfigDir: dir, LogDir: filepath.Join(root, "logs"), StateFile: filepath.Join(root, "superd.state"),
	}}
}

// run starts the next supervisor; the previous one must have shut down.
func (p *lcPersistent) run() *lcSupervisor { return lcRunOn(p.t, p.cfg) }

const lcSleeper = "[Unit]\nDescription=%s\n[Service]\nExecStart=/bin/sleep 1000\n"

// An operator's start of a service that a reload re-created while it was
// stopped survives a restart of the supervisor, and so does an operator's
// stop of a service re-created while it ran: the state file holds the last
// thing the operator asked for, whichever actor of the service it asked.
func TestOperatorIntentSurvivesReloadAndRestart(t *testing.T) {
	p := lcNewPersistent(t, map[string]string{"x.service": fmt.Sprintf(lcSleeper, "v1")})

	l := p.run()
	l.waitState("x", transport.StateRunning)
	l.do(l.sup.Stop, "x")
	l.writeService("x", fmt.Sprintf(lcSleeper, "v2"))
	l.reload() // x re-created, stopped
	l.do(l.sup.Start, "x")
	l.shutdown(time.Minute)

	l = p.run()
	l.waitState("x", transport.StateRunning) // started by the operator last
	l.writeService("x", fmt.Sprintf(lcSleeper, "v3"))
	l.reload() // x re-created, running
	l.waitState("x", transport.StateRunning)
	l.do(l.sup.Stop, "x")
	l.shutdown(time.Minute)

	l = p.run()
	if st := l.waitState("x", transport.StateStopped); st.PID != 0 {
		t.Fatalf("x stopped by the operator runs after a restart: %+v", st)
	}
}

// A service removed while stopped by the operator, then defined again, is
// a new service: it starts (AutoStart), now and after a restart.
func TestRemovedServiceForgetsOperatorStop(t *testing.T) {
	p := lcNewPersistent(t, map[string]string{"x.service": fmt.Sprintf(lcSleeper, "v1")})

	l := p.run()
	l.waitState("x", transport.StateRunning)
	l.do(l.sup.Stop, "x")
	l.shutdown(time.Minute)

	l = p.run()
	l.waitState("x", transport.StateStopped)
	if err := os.Remove(filepath.Join(l.dir, "x.service")); err != nil {
		t.Fatal(err)
	}
	l.reload()
	l.waitGone("x")
	l.writeService("x", fmt.Sprintf(lcSleeper, "new"))
	l.reload()
	l.waitState("x", transport.StateRunning)
	l.shutdown(time.Minute)

	l = p.run()
	l.waitState("x", transport.StateRunning)
}

// waitGone waits until the supervisor no longer knows service name.
func (l *lcSupervisor) waitGone(name string) {
	l.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, err := l.sup.Status(l.ctx(), name)
		if errors.Is(err, transport.ErrUnknownService) {
			return
		}
		if time.Now().After(deadline) {
			l.t.Fatalf("%s still known after 20s: %v", name, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A stop reaches a service whose processes are suspended (SIGSTOP, by an
// operator's signal or a debugger): KillSignal is followed by SIGCONT, as
// systemd does, so they handle it at once instead of being SIGKILLed after
// TimeoutStopSec.
func TestStopResumesSuspendedService(t *testing.T) {
	marks := t.TempDir()
	up, done := filepath.Join(marks, "up"), filepath.Join(marks, "done")
	l := lcRun(t, map[string]string{"paused.service": fmt.Sprintf(`[Service]
ExecStart=/bin/sh -c 'trap ": > %s; exit 0" TERM; : > %s; while :; do sleep 0.1; done'
TimeoutStopSec=30s
`, done, up)})
	lcWaitFile(t, up, 20*time.Second)
	l.waitState("paused", transport.StateRunning)
	if _, err := l.sup.Signal(l.ctx(), "paused", "STOP"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	asked := time.Now()
	st, err := l.sup.Stop(ctx, "paused")
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(asked)
	if st.LastExit == nil || st.LastExit.Code == nil || *st.LastExit.Code != 0 {
		t.Fatalf("stopped after %v with %+v, want exit code 0 from its SIGTERM trap", took, st.LastExit)
	}
	if _, err := os.Stat(done); err != nil {
		t.Fatal(err)
	}
}

// A stop gives the whole process group TimeoutStopSec, not only its main
// process: a program started by a wrapper shell (no exec) gets KillSignal
// too, and its graceful shutdown is not cut short by a SIGKILL the moment
// the wrapper dies. What still runs after TimeoutStopSec is killed.
func TestStopWaitsForTheGroup(t *testing.T) {
	marks := t.TempDir()
	app := filepath.Join(marks, "app")
	up, done := filepath.Join(marks, "up"), filepath.Join(marks, "done")
	script := fmt.Sprintf("#!/bin/sh\ntrap 'sleep 1; : > %s; exit 0' TERM\n: > %s\nwhile :; do sleep 0.1; done\n", done, up)
	if err := os.WriteFile(app, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	stubborn := filepath.Join(marks, "stubborn")
	if err := os.WriteFile(stubborn, []byte("#!/bin/sh\ntrap '' TERM\n: > "+up+"2\nwhile :; do sleep 0.1; done\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	l := lcRun(t, map[string]string{
		"wrapped.service":  fmt.Sprintf("[Service]\nExecStart=/bin/sh -c '%s; echo ended'\nTimeoutStopSec=30s\n", app),
		"stubborn.service": fmt.Sprintf("[Service]\nExecStart=/bin/sh -c '%s; echo ended'\nTimeoutStopSec=2s\n", stubborn),
	})
	lcWaitFile(t, up, 20*time.Second)
	lcWaitFile(t, up+"2", 20*time.Second)
	l.waitState("wrapped", transport.StateRunning)
	l.waitState("stubborn", transport.StateRunning)

	t0 := time.Now()
	l.do(l.sup.Stop, "wrapped")
	t.Logf("wrapped stop took %v", time.Since(t0))
	if _, err := os.Stat(done); err != nil {
		t.Fatalf("the wrapped program was killed during its graceful stop: %v", err)
	}

	asked := time.Now()
	l.do(l.sup.Stop, "stubborn")
	t.Logf("stubborn stop took %v", time.Since(asked))
	if took := time.Since(asked); took < 2*time.Second {
		t.Fatalf("stop returned after %v, before TimeoutStopSec (2s)", took)
	}
	// SIGKILL reached what ignored SIGTERM in the group.
	if pids := lcGroupMembers(t, stubborn); len(pids) != 0 {
		t.Fatalf("processes of the stopped service still run: %v", pids)
	}
}

// lcGroupMembers returns the pids of the processes running the script at
// path (by their command line).
func lcGroupMembers(t *testing.T, path string) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(b), path) {
			if st, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat")); err == nil && !strings.Contains(string(st), ") Z ") {
				out = append(out, e.Name())
			}
		}
	}
	return out
}
