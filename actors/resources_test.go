package actors

import (
	"errors"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/supers-dev/supers/actors/process"
	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/notify"
)

// resShortage is the error of start attempt n of a superd short of a
// resource: no descriptor for a pipe, no process slot for the fork, no
// memory, in turn.
func resShortage(n int) error {
	switch n % 3 {
	case 1:
		return &process.ExecError{Op: "exec", Path: "/bin/false", Err: os.NewSyscallError("pipe2", syscall.EMFILE)}
	case 2:
		return &process.ExecError{Op: "exec", Path: "/bin/false", Err: syscall.EAGAIN}
	default:
		return &process.ExecError{Op: "exec", Path: "/bin/false", Err: syscall.ENOMEM}
	}
}

// A start that fails because superd is short of a resource (EMFILE, EAGAIN,
// ENOMEM) is not the service's failure: it is retried with the backoff,
// whatever Restart= says, never counts against the start limit and never
// makes the service fatal; once the resource is back, the service runs.
func TestSupervisionResourceShortageIsRetried(t *testing.T) {
	const failing = 5 // attempts that fail, more than StartLimitBurst
	limited := func(mode config.RestartMode) *config.Service {
		return service(t, mode, func(s *config.Service) {
			s.Restart.StartLimitBurst = 3
			s.Restart.StartLimitInterval = 10 * time.Minute
		})
	}
	// retried checks that the failing attempts are retried after 1, 2, 4,
	// 8, 8 s (the backoff, capped at 8 s), in state backoff, and returns
	// the attempt that runs.
	retried := func(h *harness) *fakeProc {
		h.t.Helper()
		p := h.nextStart(time.Second)
		for n := 1; n <= failing; n++ {
			if p.err == nil {
				h.t.Fatalf("attempt %d did not fail", p.n)
			}
			want := min(time.Second<<(n-1), 8*time.Second)
			st := h.wantState(StateBackoff, want.Milliseconds())
			var errno syscall.Errno
			if !errors.As(p.err, &errno) || !strings.Contains(st.Error, errno.Error()) {
				h.t.Fatalf("backoff error %q does not say why the start failed (%v)", st.Error, p.err)
			}
			p = h.restartAfter(p.at, want)
		}
		if p.err != nil {
			h.t.Fatalf("attempt %d failed: %v", p.n, p.err)
		}
		h.wantState(StateRunning, 0)
		// superd's own shortage is not the service's exec failure: not
		// published as one (each retry was), only the restarts are.
		if types := h.published(); slices.Contains(types, notify.TypeExecFailed) || !slices.Contains(types, notify.TypeRestart) {
			h.t.Fatalf("events %q: want restarts and no exec-failed", types)
		}
		return p
	}
	fail := func(n int) error {
		if n <= failing {
			return resShortage(n)
		}
		return nil
	}

	t.Run("Restart=no", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newHarness(t, newFakeStarter(fail), limited(config.RestartNo))
			p := retried(h)
			// Restart=no still applies to the service's own exits.
			h.crash(p, 1)
			h.wantState(StateExited, 0)
			h.noStart(time.Hour)
		})
	})

	t.Run("start limit counts the real starts only", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			procs := newFakeStarter(fail)
			h := newHarness(t, procs, limited(config.RestartOnFailure))
			p := retried(h)
			// 3 real starts (the one that ran and 2 restarts), then fatal.
			p = h.restartAfter(h.crash(p, 1), 8*time.Second)
			p = h.restartAfter(h.crash(p, 1), 8*time.Second)
			h.crash(p, 1)
			st := h.wantState(StateFatal, 0)
			if !strings.Contains(st.Error, "start limit") {
				t.Fatalf("fatal error %q does not mention the start limit", st.Error)
			}
			h.noStart(time.Hour)
			if n := procs.count(); n != failing+3 {
				t.Fatalf("%d start attempts, want %d", n, failing+3)
			}
		})
	})

	t.Run("exec failures still count", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			procs := newFakeStarter(func(int) error {
				return &process.ExecError{Op: "chdir", Path: "/srv/app", Err: syscall.EACCES}
			})
			h := newHarness(t, procs, limited(config.RestartOnFailure))
			first := h.nextStart(time.Second)
			second := h.restartAfter(first.at, time.Second)
			h.restartAfter(second.at, 2*time.Second)
			h.wantState(StateFatal, 0)
			h.noStart(time.Hour)
		})
	})
}
