//go:build linux

package actors

import (
	"fmt"
	"testing"
	"time"

	"github.com/supers-dev/supers/notify"
	"github.com/supers-dev/supers/transport"
)

// stubbornGroup is a service file whose main process ends at its SIGTERM
// while a member of its group ignores it, creating the mark up once its
// trap is set: its stop lasts until the SIGKILL of TimeoutStopSec=1s.
func stubbornGroup(m marks) string {
	return fmt.Sprintf(`[Service]
ExecStart=/bin/sh -c 'sh -c "trap \"\" TERM; : > %s; while :; do sleep 0.05; done" & exec sleep 1000'
TimeoutStopSec=1s
`, m.path("up"))
}

// eventsOf returns the events of sup's history about service, by type
// (the last of each).
func eventsOf(t *testing.T, sup *Supervisor, service string) map[string]notify.Event {
	t.Helper()
	stream, err := sup.Events(t.Context(), service, false)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]notify.Event{}
	for _, e := range stream.History {
		out[e.Type] = e
	}
	return out
}

// An exit event's time is when the process exited, as the status's last
// exit has it, not when the stop ended: it is published once the rest of
// the group is gone too, here a member that ignores SIGTERM and lives
// until the SIGKILL of TimeoutStopSec=1s. It was stamped with that later
// time, TimeoutStopSec after the exit.
func TestExitEventTimeIsTheProcessExit(t *testing.T) {
	m := newMarks(t)
	l := lcRun(t, map[string]string{"x.service": stubbornGroup(m)})
	stressWait(t, "x's group member to ignore SIGTERM", m.exists("up"))
	l.waitState("x", transport.StateRunning)
	l.do(l.sup.Stop, "x")
	st := l.waitState("x", transport.StateStopped)
	if st.LastExit == nil || st.LastExit.Signal != "SIGTERM" {
		t.Fatalf("x's last exit %+v; want SIGTERM", st.LastExit)
	}
	var evs map[string]notify.Event
	stressWait(t, "x's exit and stop events", func() bool {
		evs = eventsOf(t, l.sup, "x")
		return evs[notify.TypeExit].Type != "" && evs[notify.TypeStop].Type != ""
	})
	exit, stop := evs[notify.TypeExit], evs[notify.TypeStop]
	if want := st.LastExit.Time.UTC().Truncate(time.Millisecond); !exit.Time.Equal(want) {
		t.Errorf("exit event's time %v; want the process's exit, %v (the stop event's is %v)", exit.Time, want, stop.Time)
	}
	if gap := stop.Time.Sub(exit.Time); gap < 500*time.Millisecond {
		t.Errorf("stop event %v after the exit event; want about TimeoutStopSec (1s): the test did not make the group outlive the main process", gap)
	}
}

// A stop that needed the SIGKILL of TimeoutStopSec= says so in its stop
// event's reason, as systemd's "Result: timeout" does: it looked like a
// stop that ended at KillSignal=, the exit event saying SIGTERM and the
// stop event no more, when a member of the group ignored SIGTERM until it
// was killed. A stop that ended at KillSignal= has no reason.
func TestStopTimeoutIsTheStopReason(t *testing.T) {
	m := newMarks(t)
	l := lcRun(t, map[string]string{
		"x.service": stubbornGroup(m),
		"z.service": "[Service]\nExecStart=/bin/sleep 1000\nTimeoutStopSec=30s\n",
	})
	stressWait(t, "x's group member to ignore SIGTERM", m.exists("up"))
	for name, want := range map[string]string{
		"x": "stop timed out after 1s (TimeoutStopSec=); SIGKILL sent to the rest of the process group",
		"z": "",
	} {
		l.waitState(name, transport.StateRunning)
		l.do(l.sup.Stop, name)
		var stop notify.Event
		stressWait(t, name+"'s stop event", func() bool {
			stop = eventsOf(t, l.sup, name)[notify.TypeStop]
			return stop.Type != ""
		})
		if stop.Reason != want {
			t.Errorf("%s's stop event's reason %q; want %q", name, stop.Reason, want)
		}
	}
}
