//go:build linux

package actors_test

import (
	"context"
	"testing"
	"time"

	"github.com/supers-dev/supers/actors"
	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/transport"
)

// The status an operation answers with (start of a running service,
// signal, restart) carries the uptime of the process, as a status query
// does, not 0.
func TestOperationAnswersCarryUptime(t *testing.T) {
	svc := config.New("web", "/bin/sleep", "1000")
	sup, _, _ := embedded(t, actors.Config{Services: []*config.Service{svc}})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	// Wait until the process has run for half a second, so that an uptime
	// left at 0 cannot pass for a fresh one.
	const ran = 0.5
	deadline := time.Now().Add(20 * time.Second)
	for {
		st, err := sup.Status(ctx, "web")
		if err != nil {
			t.Fatal(err)
		}
		if st.PID != 0 && st.UptimeSeconds >= ran {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("web never ran for %vs: %+v", ran, st)
		}
		time.Sleep(20 * time.Millisecond)
	}

	check := func(op string, st transport.ServiceStatus, err error, least float64) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", op, err)
		}
		if st.PID == 0 || st.StartedAt == nil {
			t.Fatalf("%s: no process in the answer: %+v", op, st)
		}
		if st.UptimeSeconds < least {
			t.Errorf("%s: uptime_seconds = %v, want at least %v (started at %v)", op, st.UptimeSeconds, least, st.StartedAt)
		}
	}
	st, err := sup.Start(ctx, "web")
	check("start of a running service", st, err, ran)
	st, err = sup.Signal(ctx, "web", "CONT")
	check("signal", st, err, ran)
	st, err = sup.Restart(ctx, "web")
	// A new process: its uptime is small, but not 0.
	check("restart", st, err, 1e-9)
	st, err = sup.Stop(ctx, "web")
	if err != nil {
		t.Fatal(err)
	}
	if st.PID != 0 || st.UptimeSeconds != 0 {
		t.Errorf("stop: pid %d uptime_seconds %v, want no process and 0", st.PID, st.UptimeSeconds)
	}
}
