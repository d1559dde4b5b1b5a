package main

import (
	"testing"
	"time"

	"github.com/supers-dev/supers/transport"
)

func TestStateTextSupervision(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	three := 3
	cases := []struct {
		st   transport.ServiceStatus
		want string
	}{
		{transport.ServiceStatus{State: "running", PID: 1}, "running"},
		{transport.ServiceStatus{State: "stopped"}, "stopped"},
		{transport.ServiceStatus{State: "exited", LastExit: &transport.ExitInfo{Code: &three, Time: now.Add(-4 * time.Second)}}, "exited (exit 3 4s ago)"},
		{transport.ServiceStatus{State: "backoff", NextAttemptMS: 1250, LastExit: &transport.ExitInfo{Signal: "SIGKILL", Time: now.Add(-90 * time.Second)}}, "backoff (signal SIGKILL 1m30s ago, next try in 1.2s)"},
		{transport.ServiceStatus{State: "backoff", NextAttemptMS: 250, Error: "start failed: x: exec \"/nope\": no such file or directory"}, "backoff (start failed: x: exec \"/nope\": no such file or directory, next try in 250ms)"},
		// A stop under way: the last exit is an earlier process's.
		{transport.ServiceStatus{State: "stopping", PID: 7, LastExit: &transport.ExitInfo{Code: new(0), Time: now.Add(-5 * time.Minute)}}, "stopping"},
		{transport.ServiceStatus{State: "fatal", Error: "start limit 10 in 10m0s hit", NextAttemptMS: 120_000}, "fatal (start limit 10 in 10m0s hit, next try in 2m0s)"},
	}
	for _, c := range cases {
		if got := stateTextAt(c.st, now); got != c.want {
			t.Errorf("stateTextAt(%+v) = %q, want %q", c.st, got, c.want)
		}
	}
}
