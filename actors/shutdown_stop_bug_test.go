//go:build linux

package actors

import (
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/transport"
)

// The shutdown waits for each service actor to handle its stop (see
// checkDrained). A bug in a service actor while it handles that stop
// (recoverBug) must count as handled: the actor has no process left, and
// the shutdown would otherwise wait out its whole bound (ShutdownTimeout,
// then the wait after killAll) for word that never comes.
func TestShutdownStopCutShortByABugDoesNotHoldTheShutdown(t *testing.T) {
	svc := config.New("ex", "/bin/sh", "-c", "exit 0")
	svc.Restart.Mode = config.RestartNo
	cfg := Config{Services: []*config.Service{svc}, LogDir: filepath.Join(t.TempDir(), "logs"), ShutdownTimeout: time.Minute}
	var hit atomic.Bool
	l := lcRunWith(t, cfg, func(s *Supervisor) {
		s.tweakDeps = func(d *serviceDeps) {
			d.beforeReceive = func(msg any) {
				if m, ok := msg.(*stopService); ok && m.reply == nil && hit.CompareAndSwap(false, true) {
					panic("injected bug")
				}
			}
		}
	})
	l.waitState("ex", transport.StateExited)
	l.shutdown(10 * time.Second)
	if !hit.Load() {
		t.Fatal("the shutdown's stop never reached the service actor")
	}
}
