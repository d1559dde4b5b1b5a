package actors

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/supers-dev/supers/transport"
)

// During the leftovers phase, an apply (or a reload) that defines a new
// service, then a stop of "*" (supers stop --all), both clients giving
// up: in the order asked the stop comes last, and the new service ends
// stopped. The stop matched only the services defined when they were
// first created, and the new one ran on.
func TestPatternStopDuringLeftoversReachesServicesDefinedBeforeIt(t *testing.T) {
	for _, how := range []string{"apply", "reload"} {
		t.Run(how, func(t *testing.T) {
			dir := t.TempDir()
			conf := filepath.Join(dir, "conf")
			if err := os.Mkdir(conf, 0o755); err != nil {
				t.Fatal(err)
			}
			unit := []byte("[Service]\nExecStart=/bin/sleep 1000\n")
			if err := os.WriteFile(filepath.Join(conf, "web.service"), unit, 0o644); err != nil {
				t.Fatal(err)
			}
			sup, err := New(Config{ConfigDir: conf, LogDir: filepath.Join(dir, "logs")})
			if err != nil {
				t.Fatal(err)
			}
			if how == "reload" {
				// Written once the services are loaded: only the reload
				// finds it.
				sup.afterLoad = func() { _ = os.WriteFile(filepath.Join(conf, "newjob.service"), unit, 0o644) }
			}
			ctx, cancel := context.WithCancel(context.Background())
			t.Cleanup(cancel)
			sup.leftovers.Store(true)
			cctx, giveUp := context.WithTimeout(ctx, 100*time.Millisecond)
			if how == "apply" {
				_, err = sup.PutDefinition(cctx, "newjob", unit, transport.WriteOptions{})
			} else {
				_, err = sup.Reload(cctx)
			}
			giveUp()
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("%s during the leftovers phase: %v, want its client to give up", how, err)
			}
			if _, err := sup.Stop(ctx, "*"); !errors.Is(err, errLeftovers) {
				t.Fatalf("stop *: %v, want errLeftovers", err)
			}
			sup.leftovers.Store(false)
			runUntilCleanup(t, sup, ctx, cancel)
			<-sup.Ready()
			// Sent after every command asked before it.
			if _, err := sup.Signal(ctx, "web", "CONT"); err == nil {
				t.Fatal("signal to web, which the stop of * stopped: no error")
			}
			waitUntil(t, "newjob, defined before the stop of *, stopped", func() bool {
				st, err := sup.Status(ctx, "newjob")
				return err == nil && st.State == StateStopped && st.PID == 0
			})
		})
	}
}
