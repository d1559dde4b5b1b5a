//go:build linux

package actors_test

import (
	"context"
	"testing"
	"time"

	"github.com/supers-dev/supers/actors"
	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/notify"
)

// At shutdown, a service with no process (waiting in backoff, given up,
// exited) publishes its stop when its actor handles the shutdown's stop:
// the shutdown must wait for that before it hands the events to the hub
// and ends the streams, also when no service has a process to wait for.
// The stop was lost, the last event of a service in backoff being a
// restart that never comes.
func TestShutdownStopEventsOfServicesWithoutProcess(t *testing.T) {
	backoff := config.New("bk", "/bin/sh", "-c", "exit 3")
	backoff.Restart.Delay, backoff.Restart.MaxDelay = time.Minute, time.Minute
	fatal := config.New("ft", "/bin/sh", "-c", "exit 3")
	fatal.Restart.Delay, fatal.Restart.MaxDelay = 10*time.Millisecond, 10*time.Millisecond
	fatal.Restart.StartLimitBurst = 2
	exited := config.New("ex", "/bin/sh", "-c", "exit 0")
	exited.Restart.Mode = config.RestartNo
	want := map[string]string{"bk": actors.StateBackoff, "ft": actors.StateFatal, "ex": actors.StateExited}

	sup, cancel, ran := embedded(t, actors.Config{Services: []*config.Service{backoff, fatal, exited}})
	ctx, stop := context.WithTimeout(context.Background(), 30*time.Second)
	defer stop()
	for name, state := range want {
		for {
			st, err := sup.Status(ctx, name)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if st.State == state {
				break
			}
			select {
			case <-ctx.Done():
				t.Fatalf("%s is %s, want %s", name, st.State, state)
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
	stream, err := sup.Events(ctx, "", true)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	stops := map[string]string{}
	for ev := range stream.Live {
		if ev.Type == notify.TypeStop {
			stops[ev.Service] = ev.Reason
		}
	}
	if ctx.Err() != nil {
		t.Fatal("the stream was not closed")
	}
	waitRun(t, ran)
	for name, state := range want {
		if stops[name] != "was "+state {
			t.Errorf("stop events at shutdown %q, want one %q for %s", stops, "was "+state, name)
		}
	}
}
