//go:build linux

package actors

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/supers-dev/supers/transport"
)

// A stop whose main process is gone while the rest of its group still
// runs (here under TimeoutStopSec=infinity) shows no PID: it used to show
// the dead main process's, which the system may give to another process
// (a kill -9 on it could hit that one). The status says how the main
// process ended, and a signal, the only way to end such a stop, still
// reaches the group: after an operator's stop, and during a removal.
func TestStoppingWithMainGoneShowsNoPID(t *testing.T) {
	for _, removed := range []bool{false, true} {
		t.Run(fmt.Sprintf("removed %v", removed), func(t *testing.T) {
			m := newMarks(t)
			// The main shell dies of SIGTERM; its child ignores it.
			body := fmt.Sprintf("[Service]\nExecStart=/bin/sh -c 'sh -c \"trap \\\"\\\" TERM; : > %s; while :; do sleep 0.05; done\" & wait'\nTimeoutStopSec=infinity\n", m.path("up"))
			l := lcRun(t, map[string]string{"x.service": body})
			stressWait(t, "x's child to ignore SIGTERM", m.exists("up"))
			old := l.waitState("x", transport.StateRunning)

			stopped := make(chan error, 1)
			if removed {
				if err := os.Remove(filepath.Join(l.dir, "x.service")); err != nil {
					t.Fatal(err)
				}
				if res, err := l.sup.Reload(stressCtx(t)); err != nil || len(res.Removed) != 1 {
					t.Fatalf("reload: %+v, %v", res, err)
				}
			} else {
				go func() {
					_, err := l.sup.Stop(stressCtx(t), "x")
					stopped <- err
				}()
			}
			var st transport.ServiceStatus
			stressWait(t, "x stopping with its main process gone", func() bool {
				var err error
				st, err = l.sup.Status(stressCtx(t), "x")
				_, statErr := os.Stat("/proc/" + strconv.Itoa(old.PID))
				return err == nil && st.State == transport.StateStopping && os.IsNotExist(statErr) && st.PID == 0
			})
			if st.LastExit == nil || st.LastExit.Signal != "SIGTERM" || !st.LastExit.Expected {
				t.Errorf("x's last exit: %+v; want SIGTERM, expected", st.LastExit)
			}
			// SIGKILL ends the stop.
			if _, err := l.sup.Signal(stressCtx(t), "x", "SIGKILL"); err != nil {
				t.Fatalf("signal KILL during the stop: %v", err)
			}
			if removed {
				l.waitGone("x")
				return
			}
			if err := <-stopped; err != nil {
				t.Fatalf("stop: %v", err)
			}
			if st := l.waitState("x", transport.StateStopped); st.PID != 0 {
				t.Errorf("x: %+v", st)
			}
		})
	}
}
