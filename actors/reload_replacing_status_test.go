//go:build linux

package actors

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

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

// A list of every service follows the services as they are replaced,
// added and removed: the services actor keeps its entries sorted between
// lists, and each change of its entries must drop that order (a stale one
// showed a replaced service's old entry, or missed a new one).
func TestListFollowsReplacements(t *testing.T) {
	l := lcRun(t, map[string]string{
		"x.service": "[Service]\nExecStart=/bin/sleep 1000\n",
		"z.service": "[Service]\nExecStart=/bin/sleep 1000\n",
	})
	list := func() []transport.ServiceStatus {
		t.Helper()
		all, err := l.sup.List(stressCtx(t))
		if err != nil {
			t.Fatal(err)
		}
		return all
	}
	names := func(all []transport.ServiceStatus) []string {
		var out []string
		for _, st := range all {
			out = append(out, st.Name)
		}
		return out
	}
	old := l.waitState("x", transport.StateRunning)
	l.waitState("z", transport.StateRunning)
	if got := names(list()); !slices.Equal(got, []string{"x", "z"}) {
		t.Fatalf("listed %v, want [x z]", got)
	}

	changeX(t, l, l.dir, "[Unit]\nDescription=replaced\n[Service]\nExecStart=/bin/sleep 1001\n")
	now := l.waitState("x", transport.StateRunning)
	if now.PID == old.PID {
		t.Fatalf("x still runs its old process %d", old.PID)
	}
	if all := list(); len(all) != 2 || all[0].Name != "x" || all[0].PID != now.PID || all[0].Description != "replaced" {
		t.Fatalf("listed %+v; want x first, pid %d, described as replaced", all, now.PID)
	}

	if err := os.WriteFile(filepath.Join(l.dir, "a.service"), []byte("[Service]\nExecStart=/bin/sleep 1000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(l.dir, "z.service")); err != nil {
		t.Fatal(err)
	}
	if _, err := l.sup.Reload(stressCtx(t)); err != nil {
		t.Fatal(err)
	}
	l.waitState("a", transport.StateRunning)
	deadline := time.Now().Add(20 * time.Second)
	for got := names(list()); !slices.Equal(got, []string{"a", "x"}); got = names(list()) {
		if time.Now().After(deadline) {
			t.Fatalf("listed %v, want [a x] once z is removed", got)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
