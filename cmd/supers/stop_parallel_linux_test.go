//go:build linux

package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/supers-dev/supers/transport"
)

// waitForPeerService stops, after SIGTERM, only once its peer got SIGTERM
// too: {{name}} and {{peer}} are filled in. It writes {{dir}}/NAME.ready
// once its trap is set.
const waitForPeerService = `[Service]
ExecStart=/bin/sh -c 'trap "touch {{dir}}/{{name}}.term; while [ ! -e {{dir}}/{{peer}}.term ]; do sleep 0.05; done; exit 0" TERM; touch {{dir}}/{{name}}.ready; while :; do sleep 0.1; done'
TimeoutStopSec=60s
`

// supers stop a b stops both at once, as systemctl does: one after the
// other, the stops of services that each wait for the other's stop, or of
// ten services with a long TimeoutStopSec each, add up.
func TestStopSeveralStopsThemTogether(t *testing.T) {
	svc := func(name, peer string) string {
		return strings.NewReplacer("{{name}}", name, "{{peer}}", peer).Replace(waitForPeerService)
	}
	d := startRealSuperd(t, map[string]string{"a.service": svc("a", "b"), "b.service": svc("b", "a")})
	for _, name := range []string{"a", "b"} {
		d.waitRunning(t, name)
		waitUntil(t, 20*time.Second, name+" handles SIGTERM", func() bool {
			_, err := os.Stat(filepath.Join(d.root, name+".ready"))
			return err == nil
		})
	}
	a, out, errb := d.app(20*time.Second, true)
	if err := a.act(context.Background(), "stop", a.client.Stop, serviceNames{Names: []string{"a", "b"}}); err != nil {
		t.Fatalf("stop a b: %v\nstderr: %s", err, errb.String())
	}
	if got := out.String(); strings.Index(got, "a ") > strings.Index(got, "b ") {
		t.Errorf("the statuses are not in the order of the names:\n%s", got)
	}
	for _, name := range []string{"a", "b"} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		st, err := d.client.Status(ctx, name)
		cancel()
		if err != nil || st.State != transport.StateStopped || st.LastExit == nil || st.LastExit.Code == nil || *st.LastExit.Code != 0 {
			t.Errorf("%s after the stop: %+v (last exit %v), %v; want stopped after a clean exit", name, st, st.LastExit, err)
		}
	}
}
