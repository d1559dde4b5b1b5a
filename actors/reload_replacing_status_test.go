//go:build linux

package actors

import (
	"fmt"
	"os"
	"testing"

	"github.com/supers-dev/supers/transport"
)

// Once a reload that changed a running service has returned, its status
// says it is stopping (its old process is being stopped for the new
// definition), at once: it used to show the old process running until the
// service's actor had reported its stop, which a status asked for right
// after the reload (or right after the process got its SIGTERM) could
// overtake under load.
func TestReloadedServiceIsStoppingAtOnce(t *testing.T) {
	for i := range 20 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			m := newMarks(t)
			l := lcRun(t, map[string]string{"x.service": m.slowStop(t, "", "0.2", "")})
			// Released before the shutdown, should the test fail.
			t.Cleanup(func() { _ = os.WriteFile(m.path("release"), nil, 0o644) })
			stressWait(t, "x to set its trap", m.exists("up"))
			old := l.waitState("x", transport.StateRunning)
			changeX(t, l, l.dir, "[Service]\nExecStart=/bin/sleep 1000\n")
			if st, err := l.sup.Status(stressCtx(t), "x"); err != nil || st.State != transport.StateStopping || st.PID != old.PID {
				t.Fatalf("x right after the reload: %+v, %v; want stopping, pid %d", st, err, old.PID)
			}
			if err := os.WriteFile(m.path("release"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
			if st := l.waitState("x", transport.StateRunning); st.PID == old.PID {
				t.Fatalf("x still runs its old process %d", st.PID)
			}
		})
	}
}
