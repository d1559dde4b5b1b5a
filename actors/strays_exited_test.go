package actors

import (
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/supers-dev/supers/actors/process"
	"github.com/supers-dev/supers/config"
)

// exitedStrays is a starter whose service always has one process outside
// its group that has already exited (a zombie superd has not reaped yet:
// it is still listed, its pidfd says it ended).
type exitedStrays struct{ *fakeStarter }

// Strays implements strayFinder: a Stray with no pidfd counts as exited.
func (exitedStrays) Strays(string, ...uint64) []*process.Stray {
	return []*process.Stray{{PID: 4242}}
}

// newExitedStraysHarness runs a service with Restart=no whose process
// layer is exitedStrays, and returns what the service actors log.
func newExitedStraysHarness(t *testing.T) (*harness, *lockedBuffer) {
	t.Helper()
	logged := &lockedBuffer{}
	procs := newFakeStarter(nil)
	h := newHarnessWithDeps(t, procs, service(t, config.RestartNo, nil), nil, func(d *serviceDeps) {
		d.procs = exitedStrays{procs}
		d.logger = slog.New(slog.NewTextHandler(logged, nil))
	})
	return h, logged
}

// A process that left the group and has already exited needs no signal
// and no word in the log. Such a zombie, listed again at each look until
// superd reaps it, was signalled and logged as a new one each time: the
// fifty daemons of a stopped service made a line "count=50", then another
// "count=5" for those not reaped yet.
func TestStraysAlreadyExitedAreNotStoppedAgain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, logged := newExitedStraysHarness(t)
		h.nextStart(time.Second)
		h.wantState(StateRunning, 0)
		if r := h.stop(); r.err != nil {
			t.Fatalf("stop: %v", r.err)
		}
		synctest.Wait()
		if out := logged.String(); strings.Contains(out, "left the service's process group") {
			t.Errorf("a process that left the group and had exited was stopped:\n%s", out)
		}
	})
}

// The same after an exit nobody asked for, whose leftovers outside the
// group are SIGKILLed before any restart: one that has already exited is
// not.
func TestStraysAlreadyExitedAreNotKilledAfterACrash(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, logged := newExitedStraysHarness(t)
		h.crash(h.nextStart(time.Second), 1)
		h.wantState(StateExited, 0)
		if out := logged.String(); strings.Contains(out, "left the service's process group") {
			t.Errorf("a process that left the group and had exited was killed:\n%s", out)
		}
	})
}
