//go:build linux

package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/supers-dev/supers/transport"
)

// slowStopService takes about 3 s to stop after SIGTERM, well within its
// TimeoutStopSec. Once it handles SIGTERM, it writes its PID to
// {{dir}}/ready.
const slowStopService = `[Service]
ExecStart=/bin/sh -c 'trap "sleep 3; exit 0" TERM; echo $$ > {{dir}}/ready; while :; do sleep 0.1; done'
TimeoutStopSec=60s
`

// waitTrapping waits until the slowStopService runs and handles SIGTERM,
// and returns its status.
func (d *realSuperd) waitTrapping(t *testing.T) transport.ServiceStatus {
	t.Helper()
	st := d.waitRunning(t, "slow")
	waitUntil(t, 20*time.Second, "slow handles SIGTERM", func() bool {
		data, err := os.ReadFile(filepath.Join(d.root, "ready"))
		return err == nil && strings.TrimSpace(string(data)) == strconv.Itoa(st.PID)
	})
	return st
}

// Without --timeout on the command line, stop and restart wait for a stop
// that takes longer than --timeout's default, as long as superd says the
// service is stopping (as systemctl waits for its stop job), and exit 0.
// A --timeout given still bounds it.
func TestStopWaitsForLongTimeoutStopSec(t *testing.T) {
	d := startRealSuperd(t, map[string]string{"slow.service": slowStopService})
	// Without --timeout on the command line.
	for _, verb := range []string{"stop", "restart"} {
		before := d.waitTrapping(t)
		a, out, errb := d.app(time.Second, false) // the default, made shorter
		op := map[string]func(context.Context, string) (transport.ServiceStatus, error){"stop": a.client.Stop, "restart": a.client.Restart}[verb]
		start := time.Now()
		err := a.act(context.Background(), verb, op, serviceNames{Names: []string{"slow"}})
		took := time.Since(start)
		if err != nil {
			t.Fatalf("%s: %v after %v; stderr %q", verb, err, took, errb.String())
		}
		if took < 2*time.Second {
			t.Errorf("%s took %v: the service did not outlast --timeout, the test proves nothing", verb, took)
		}
		want := map[string]string{"stop": "stopped", "restart": "running"}[verb]
		if !strings.Contains(out.String(), want) {
			t.Errorf("%s: stdout %q, want the service %s", verb, out.String(), want)
		}
		if verb == "stop" {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			st, err := d.client.Status(ctx, "slow")
			cancel()
			if err != nil || st.State != transport.StateStopped {
				t.Errorf("after stop: %+v, %v", st, err)
			}
			// Start it again for the restart.
			a, _, errb := d.app(10*time.Second, true)
			if err := a.act(context.Background(), "start", a.client.Start, serviceNames{Names: []string{"slow"}}); err != nil {
				t.Fatalf("start: %v; stderr %q", err, errb.String())
			}
		} else if after := d.waitRunning(t, "slow"); after.PID == before.PID {
			t.Errorf("restart: same PID %d", after.PID)
		}
	}

	// A --timeout given on the command line still bounds the stop: supers
	// says the service is still stopping and exits 1.
	d.waitTrapping(t)
	a, _, errb := d.app(time.Second, true)
	err := a.act(context.Background(), "stop", a.client.Stop, serviceNames{Names: []string{"slow"}})
	var status exitStatus
	if !errors.As(err, &status) || status != exitError || !strings.Contains(errb.String(), "stop slow: still stopping after 1s") {
		t.Errorf("err %v, stderr %q", err, errb.String())
	}
}
