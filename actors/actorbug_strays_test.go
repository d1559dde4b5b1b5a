//go:build linux

package actors

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/supers-dev/supers/transport"
)

// A bug in a service actor kills its process, and the restart follows as
// after a crash: a daemon the service had forked (double fork, adopted by
// superd as child subreaper) must go too, as after a crash, or the restart
// would run the service beside it. It was left running.
func TestActorBugKillsTheDaemonsOfTheService(t *testing.T) {
	root := t.TempDir()
	dir, pidFile := filepath.Join(root, "etc"), filepath.Join(root, "daemon.pid")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf("[Service]\nExecStart=/bin/sh -c '(setsid sleep 1000 & echo $! > %s); exec sleep 1000'\nRestart=always\nRestartSec=0\n", pidFile)
	if err := os.WriteFile(filepath.Join(dir, "x.service"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	var armed atomic.Bool
	l := lcRunWith(t, Config{ConfigDir: dir, LogDir: filepath.Join(root, "logs"), Subreaper: true}, func(s *Supervisor) {
		s.tweakDeps = func(d *serviceDeps) {
			d.beforeReceive = func(msg any) {
				if _, ok := msg.(*signalService); ok && armed.CompareAndSwap(true, false) {
					panic("injected bug")
				}
			}
		}
	})
	old := l.waitState("x", transport.StateRunning)
	var daemon int
	stressWait(t, "the daemon's pid", func() bool {
		b, err := os.ReadFile(pidFile)
		daemon, err = strconv.Atoi(strings.TrimSpace(string(b)))
		return err == nil && daemon > 0
	})
	t.Cleanup(func() { _ = syscall.Kill(daemon, syscall.SIGKILL) })
	// Adopted by superd: its parent (the subshell) is gone.
	stressWait(t, "the daemon adopted", func() bool {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", daemon))
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		return err == nil && len(f) > 1 && f[1] == strconv.Itoa(os.Getpid())
	})

	armed.Store(true)
	_, _ = l.sup.Signal(stressCtx(t), "x", "SIGHUP") // the bug hits the actor
	stressWait(t, "the service restarted after the bug", func() bool {
		st, err := l.sup.Status(stressCtx(t), "x")
		return err == nil && st.State == transport.StateRunning && st.PID != old.PID
	})
	stressWait(t, "the old daemon killed", func() bool {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", daemon))
		if err != nil {
			return true
		}
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		return len(f) > 0 && f[0] == "Z" // dead, not reaped yet
	})
}
